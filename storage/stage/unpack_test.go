package stage

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"
)

// unpack leaves in a staging directory what containers/storage's
// extraction leaves from the same layer stream: overlay whiteouts (a 0/0
// device, the opaque attribute), the root entry's metadata, owners mapped
// to the host, hard links, modes and times.
func TestUnpackMatchesExtraction(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: owners, devices and trusted.* attributes")
	}
	mtime := time.Date(2022, 5, 6, 7, 8, 9, 0, time.UTC)
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, e := range []struct {
		hdr  tar.Header
		body string
	}{
		{hdr: tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "etc/.wh.removed", Typeflag: tar.TypeReg, Mode: 0o600}},
		{hdr: tar.Header{Name: "etc/conf", Typeflag: tar.TypeReg, Mode: 0o644, Uid: 1000, Gid: 1000}, body: "conf"},
		{hdr: tar.Header{Name: "opaque/", Typeflag: tar.TypeDir, Mode: 0o750, Uid: 5, Gid: 6}},
		{hdr: tar.Header{Name: "opaque/.wh..wh..opq", Typeflag: tar.TypeReg, Mode: 0o600}},
		{hdr: tar.Header{Name: "opaque/new", Typeflag: tar.TypeReg, Mode: 0o755}, body: "#!"},
		{hdr: tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "etc/conf", Uid: 1000, Gid: 1000, Mode: 0o644}},
		{hdr: tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/conf", Mode: 0o777}},
		{hdr: tar.Header{Name: ".wh.gone", Typeflag: tar.TypeReg, Mode: 0o600}},
	} {
		e.hdr.ModTime, e.hdr.Size = mtime, int64(len(e.body))
		must(t, tw.WriteHeader(&e.hdr))
		_, err := tw.Write([]byte(e.body))
		must(t, err)
	}
	must(t, tw.Close())
	ids := []idtools.IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
	opts := func() *archive.TarOptions {
		return &archive.TarOptions{UIDMaps: ids, GIDMaps: ids, WhiteoutFormat: archive.OverlayWhiteoutFormat}
	}
	want, got := t.TempDir(), t.TempDir()
	must(t, chrootarchive.UntarUncompressed(bytes.NewReader(layer.Bytes()), want, opts()))
	var owners []string
	must(t, unpack(bytes.NewReader(layer.Bytes()), got, opts(), func(h *tar.Header) {
		owners = append(owners, fmt.Sprintf("%s %d:%d", h.Name, h.Uid, h.Gid))
	}))
	// Both routes tell the layer's owners from the stream's headers (the
	// container's IDs), the forced-mask route beside another process.
	forced := opts()
	forced.ForceMask = new(os.FileMode)
	*forced.ForceMask = 0o700
	var forcedOwners []string
	must(t, unpack(bytes.NewReader(layer.Bytes()), t.TempDir(), forced, func(h *tar.Header) {
		forcedOwners = append(forcedOwners, fmt.Sprintf("%s %d:%d", h.Name, h.Uid, h.Gid))
	}))
	for _, o := range [][]string{owners, forcedOwners} {
		if got := fmt.Sprint(o); got != "[./ 0:0 etc/ 0:0 etc/.wh.removed 0:0 etc/conf 1000:1000 opaque/ 5:6 opaque/.wh..wh..opq 0:0 opaque/new 0:0 hard 1000:1000 link 0:0 .wh.gone 0:0]" {
			t.Errorf("headers noted: %s", got)
		}
	}
	for _, rel := range []string{".", "etc", "etc/removed", "etc/conf", "opaque", "opaque/new", "hard", "link", "gone"} {
		if w, g := describe(filepath.Join(want, rel)), describe(filepath.Join(got, rel)); w != g {
			t.Errorf("%s:\n extraction: %s\n     unpack: %s", rel, w, g)
		}
	}
	for _, dir := range []string{want, got} {
		entries, _ := os.ReadDir(filepath.Join(dir, "opaque"))
		if len(entries) != 1 {
			t.Errorf("%s/opaque holds %d entries, want 1 (no .wh..wh..opq file)", dir, len(entries))
		}
	}
}

func describe(p string) string {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return err.Error()
	}
	d := fmt.Sprintf("mode %o owner %d:%d rdev %d nlink %d", st.Mode, st.Uid, st.Gid, st.Rdev, st.Nlink)
	if st.Mode&unix.S_IFMT != unix.S_IFCHR { // a whiteout is made when it is written: its time is now
		d += fmt.Sprintf(" mtime %d", st.Mtim.Sec)
	}
	if b, err := os.ReadFile(p); err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
		d += fmt.Sprintf(" content %q", b)
	}
	if target, err := os.Readlink(p); err == nil {
		d += " -> " + target
	}
	if v, err := unix.Lgetxattr(p, "trusted.overlay.opaque", make([]byte, 8)); err == nil {
		d += fmt.Sprintf(" opaque(%d)", v)
	}
	return d
}

// A failed unpack ends the commit's read of the changes at once: the
// stages reading ahead of it stop, and the tar of the changes is closed
// before it is done, not read to its end.
func TestExtractStopsOnFailure(t *testing.T) {
	pr, pw := io.Pipe()
	produced := make(chan error, 1)
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Name: "big", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 40})
		for chunk := make([]byte, 1<<20); err == nil; {
			_, err = tw.Write(chunk)
		}
		produced <- err
	}()
	w := oneWrite{open: func() (io.ReadCloser, error) { return pr, nil }}
	split, err := os.CreateTemp(t.TempDir(), "split")
	must(t, err)
	defer split.Close()
	_, err = w.extract(filepath.Join(t.TempDir(), "missing"), &archive.TarOptions{}, split)
	if err == nil {
		t.Fatal("extract into a missing directory succeeded")
	}
	select {
	case err := <-produced:
		if !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("the tar of the changes ended with %v, want a closed pipe", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tar of the changes is still being read after the unpack failed")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
