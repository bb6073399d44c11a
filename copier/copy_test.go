package copier

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/container/state"
	"golang.org/x/sys/unix"
)

// TestCopyConfined copies through hostile rootfs symlinks and archives and
// checks that nothing outside the rootfs changed.
func TestCopyConfined(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	c, err := container.From(ctx, store, nil, "scratch", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := c.Mount()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Unmount(true) //nolint:errcheck
	host := t.TempDir()
	canary := filepath.Join(host, "canary")
	must(t, os.WriteFile(canary, []byte("canary"), 0o644))
	must(t, os.Symlink("/", filepath.Join(root, "slash")))
	must(t, os.Symlink("../../../../../../..", filepath.Join(root, "dotdot")))
	must(t, os.Symlink(canary, filepath.Join(root, "abs")))
	must(t, os.Symlink("/slash"+host, filepath.Join(root, "chain")))
	src := filepath.Join(t.TempDir(), "payload")
	must(t, os.WriteFile(src, []byte("payload"), 0o644))

	for _, tc := range []struct {
		name, dest string
		archive    []tar.Header // copied with Extract when set
		wantErr    bool
	}{
		{name: "symlink to /", dest: "/slash" + host + "/a"},
		{name: "symlink with ..", dest: "/dotdot" + host + "/b"},
		{name: "symlink chain", dest: "/chain/c"},
		{name: "absolute symlink file", dest: "/abs"},
		{name: "dest with ..", dest: "../../../../.." + host + "/d"},
		{name: "archive with ..", dest: "/x/", archive: []tar.Header{{Name: "../../../.." + host + "/e", Typeflag: tar.TypeReg}}, wantErr: true},
		{name: "archive absolute", dest: "/", archive: []tar.Header{{Name: host + "/f", Typeflag: tar.TypeReg}}},
		{name: "archive hardlink out", dest: "/", archive: []tar.Header{{Name: "hl", Typeflag: tar.TypeLink, Linkname: canary}}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			source, opts := src, Options{}
			if tc.archive != nil {
				source, opts.Extract = writeTar(t, tc.archive), true
			}
			_, err := Copy(ctx, c, []string{source}, tc.dest, opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Copy to %q: error %v, wantErr %v", tc.dest, err, tc.wantErr)
			}
			entries, _ := os.ReadDir(host)
			if len(entries) != 1 {
				t.Errorf("host directory changed: %v", entries)
			}
			if b, _ := os.ReadFile(canary); string(b) != "canary" {
				t.Errorf("host canary now %q", b)
			}
		})
	}
}

func writeTar(t *testing.T, headers []tar.Header) string {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range headers {
		h.Mode = 0o644
		must(t, tw.WriteHeader(&h))
	}
	must(t, tw.Close())
	p := filepath.Join(t.TempDir(), "a.tar")
	must(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// --parents keeps a source's directories, hidden ones too.
func TestCopyParents(t *testing.T) {
	ctx := context.Background()
	c, err := container.From(ctx, newStore(t), nil, "scratch", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, ".cfg/sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, ".cfg/sub/a"), []byte("a"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "top"), []byte("t"), 0o644))
	opts := Options{ContextDir: dir, Confine: true, Parents: true}
	if _, err := Copy(ctx, c, []string{".cfg/sub/a", "top"}, "/dst/", opts); err != nil {
		t.Fatal(err)
	}
	root, err := c.Mount()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Unmount(true) //nolint:errcheck
	for _, p := range []string{"dst/.cfg/sub/a", "dst/top"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestCopyIntoWorkingDirectory: a destination that names the working
// directory ("." or its path) is a directory, created when missing, as in
// buildah; before, "." wrote the file as the directory's name.
func TestCopyIntoWorkingDirectory(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	src := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(src, []byte("f"), 0o644))
	for _, tc := range []struct{ name, workdir, dest, want string }{
		{"dot", "/newdir", ".", "/newdir/f"},
		{"dot-slash", "/newdir", "./", "/newdir/f"},
		{"absolute-workdir", "/w/d", "/w/d", "/w/d/f"},
		{"relative-name", "/w", "g", "/w/g"},
		{"root", "", ".", "/f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := container.From(ctx, store, nil, "scratch", container.Options{})
			if err != nil {
				t.Fatal(err)
			}
			must(t, c.Apply(state.WorkDir(tc.workdir)))
			if _, err := Copy(ctx, c, []string{src}, tc.dest, Options{}); err != nil {
				t.Fatal(err)
			}
			root, err := c.Mount()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Unmount(true) //nolint:errcheck
			fi, err := os.Lstat(filepath.Join(root, tc.want))
			if err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("%s: %v %v, want a regular file", tc.want, fi, err)
			}
		})
	}
}

// A file that holds more than its stat said when it is read (a /proc file,
// a growing log) is copied as stat'ed, as tar does: no "archive/tar: write
// too long" (issue 20 item 11).
func TestCopyWhatWasStated(t *testing.T) {
	ctx := context.Background()
	c, err := container.From(ctx, newStore(t), nil, "scratch", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Copy(ctx, c, []string{"/proc/self/status"}, "/status", Options{}); err != nil {
		t.Fatal(err)
	}
	root, err := c.Mount()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Unmount(true) //nolint:errcheck
	if fi, err := os.Stat(filepath.Join(root, "status")); err != nil || fi.Size() != 0 {
		t.Errorf("/status: %v %v, want the 0 bytes stat gave", fi, err)
	}
}

// A file the walk saw that is a symlink by the time it is read (another
// container's rootfs can change under a --from copy) is not read through:
// the host file it points at never reaches the stream.
func TestWalkedFileSwappedForSymlink(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(secret, []byte("host secret"), 0o600))
	regular := filepath.Join(dir, "file")
	must(t, os.WriteFile(regular, []byte("ordinary!!!"), 0o644))
	var seen unix.Stat_t // what the walk saw
	must(t, unix.Lstat(regular, &seen))
	must(t, os.Remove(regular))
	must(t, os.Symlink(secret, regular)) // what is there when it is read

	s, err := newTarSource(context.Background(), Options{}, &container.Owner{}, 0)
	must(t, err)
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, err)
	defer unix.Close(dirfd)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err = s.writeAt(tw, dirfd, "file", regular, "file", &seen, map[[2]uint64]string{})
	if err == nil {
		t.Error("a walked file swapped for a symlink was read")
	}
	if bytes.Contains(buf.Bytes(), []byte("host secret")) {
		t.Error("the symlink's target reached the stream")
	}
}

// A directory swapped for a symlink while the walk is inside it is not
// read through either: the walk holds the directory itself, not its path,
// so the rest of it comes from where it was moved, never from the
// symlink's target on the host.
func TestWalkedDirectorySwappedForSymlink(t *testing.T) {
	src := t.TempDir()
	outside := t.TempDir()
	must(t, os.Mkdir(filepath.Join(src, "d"), 0o755))
	for _, f := range []string{"f1", "f2"} {
		must(t, os.WriteFile(filepath.Join(src, "d", f), []byte("ordinary "+f), 0o644))
		must(t, os.WriteFile(filepath.Join(outside, f), []byte("host secret"), 0o600))
	}
	s, err := newTarSource(context.Background(), Options{}, &container.Owner{}, 0)
	must(t, err)
	var buf bytes.Buffer
	tw := afterHeader{Writer: tar.NewWriter(&buf), after: func(h *tar.Header) {
		if h.Name == "d/f1" {
			must(t, os.Rename(filepath.Join(src, "d"), filepath.Join(src, "moved")))
			must(t, os.Symlink(outside, filepath.Join(src, "d")))
		}
	}}
	must(t, s.writeTree(tw, src, "", map[[2]uint64]string{}))
	if bytes.Contains(buf.Bytes(), []byte("host secret")) {
		t.Error("a file under the symlink's target reached the stream")
	}
	if !bytes.Contains(buf.Bytes(), []byte("ordinary f2")) {
		t.Error("the moved directory's other file is missing")
	}
}

// afterHeader calls after with every header it has written.
type afterHeader struct {
	*tar.Writer
	after func(*tar.Header)
}

func (w afterHeader) WriteHeader(h *tar.Header) error {
	err := w.Writer.WriteHeader(h)
	w.after(h)
	return err
}

// An ignored directory that an exclusion reaches into is walked for what
// the exclusion takes back, without an entry of its own; everything else
// it holds stays out.
func TestWalkReincludesBelowIgnoredDirectory(t *testing.T) {
	ctxDir := t.TempDir()
	for _, f := range []string{"dir/drop", "dir/keep", "dir/sub/deep", "other"} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(ctxDir, f)), 0o755))
		must(t, os.WriteFile(filepath.Join(ctxDir, f), []byte(f), 0o644))
	}
	s, err := newTarSource(context.Background(), Options{ContextDir: ctxDir, Ignore: []string{"dir", "!dir/keep"}}, &container.Owner{}, 0)
	must(t, err)
	var names []string
	tw := afterHeader{Writer: tar.NewWriter(io.Discard), after: func(h *tar.Header) { names = append(names, h.Name) }}
	must(t, s.writeTree(tw, ctxDir, "", map[[2]uint64]string{}))
	if got := fmt.Sprint(names); got != "[dir/keep other]" {
		t.Errorf("entries %s, want [dir/keep other]", got)
	}
}
