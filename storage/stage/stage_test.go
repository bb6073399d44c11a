package stage

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hodbuild/hod/storage/storetest"
	"github.com/opencontainers/go-digest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func layerOf(t *testing.T, hdrs ...tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		body := strings.Repeat("x", int(h.Size))
		must(t, tw.WriteHeader(&h))
		_, err := tw.Write([]byte(body))
		must(t, err)
	}
	must(t, tw.Close())
	return buf.Bytes()
}

// A foreign stream's names are read as containers/storage's extraction
// reads them ("/etc/x" is the layer's etc/x, hard-link targets too), and
// the staged layer becomes a store layer under the ID asked for, with the
// stream's digest; hod's own streams never name a path from "/", and one
// that did is refused.
func TestForeignNames(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: an overlay store")
	}
	stream := layerOf(t,
		tar.Header{Name: "/etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		tar.Header{Name: "/etc/abs", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3},
		tar.Header{Name: "/../etc/dotdot", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1},
		tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "/etc/abs"},
	)
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(stream)), nil }
	store := storetest.WithDriver(t, "overlay")

	if s, err := Write(store, open, Options{}); err == nil {
		s.Discard()
		t.Fatal("hod's own stream named a path from / and was staged")
	}
	s, err := Write(store, open, Options{Foreign: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := digest.FromBytes(stream); s.DiffID() != want || s.Size() != int64(len(stream)) {
		t.Errorf("staged %s (%d bytes), want %s (%d)", s.DiffID(), s.Size(), want, len(stream))
	}
	layer, created, err := s.Create("foreign", "")
	if err != nil || !created {
		t.Fatalf("create: %v (created %v)", err, created)
	}
	if layer.UncompressedDigest != digest.FromBytes(stream) {
		t.Errorf("layer digest %s", layer.UncompressedDigest)
	}
	root, err := store.Mount(layer.ID, "")
	must(t, err)
	defer store.Unmount(layer.ID, true)
	for _, name := range []string{"etc/abs", "etc/dotdot", "hard"} {
		if _, err := os.Lstat(filepath.Join(root, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var a, h os.FileInfo
	a, _ = os.Stat(filepath.Join(root, "etc/abs"))
	h, _ = os.Stat(filepath.Join(root, "hard"))
	if a == nil || h == nil || !os.SameFile(a, h) {
		t.Error("hard is not a hard link to etc/abs")
	}
	// The same stream again reuses the layer and drops its staged files.
	again, err := Write(store, open, Options{Foreign: true})
	must(t, err)
	if _, created, err := again.Create("foreign", ""); err != nil || created {
		t.Errorf("a second create: %v (created %v)", err, created)
	}
}

func TestFromRoot(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"etc/x", "etc/x"},
		{"/etc/x", "etc/x"},
		{"/../etc/x", "etc/x"},
		{"//etc//x/", "etc/x"},
		{"/", "."},
		{"../x", "../x"}, // refused by the writer, as the extraction refuses it
	} {
		if got := fromRoot(tc.in); got != tc.want {
			t.Errorf("fromRoot(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A name from "/" never leaves the root once read from it.
func FuzzFromRoot(f *testing.F) {
	for _, s := range []string{"/etc/x", "/../../x", "/a/../../b", "/.", "//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !strings.HasPrefix(name, "/") {
			return
		}
		got := fromRoot(name)
		if got == ".." || strings.HasPrefix(got, "../") || strings.HasPrefix(got, "/") || path.Clean(got) != got {
			t.Errorf("fromRoot(%q) = %q", name, got)
		}
	})
}
