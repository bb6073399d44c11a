package tarx

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// entry is one tar entry of a test stream and its content.
type entry struct {
	hdr  tar.Header
	body string
}

// writeStream sends entries to w as the walk does: header, then content.
func writeStream(w Writer, entries []entry) error {
	for _, e := range entries {
		h := e.hdr
		h.Size = int64(len(e.body))
		if err := w.WriteHeader(&h); err != nil {
			return err
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			return err
		}
	}
	return nil
}

// inTheWay makes what a copy finds where its entries go: a file, a
// symlink out of the tree and a directory where other kinds arrive, and a
// directory that stays one.
func inTheWay(t *testing.T, dir, outside string) {
	must(t, os.WriteFile(filepath.Join(dir, "d1"), []byte("file"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "d2")))
	must(t, os.MkdirAll(filepath.Join(dir, "f1/deep"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "f1/deep/x"), []byte("x"), 0o644))
	must(t, os.Symlink(filepath.Join(outside, "victim"), filepath.Join(dir, "f2")))
	must(t, os.Mkdir(filepath.Join(dir, "keep"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "keep/old"), []byte("old"), 0o644))
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, os.Chtimes(filepath.Join(dir, "keep/old"), old, old))
	must(t, os.Mkdir(filepath.Join(dir, "sg"), 0o755))
	must(t, os.Chmod(filepath.Join(dir, "sg"), 0o2775))
}

func testStream(owner Owner) []entry {
	t0 := time.Date(2021, 3, 4, 5, 6, 7, 600_000_000, time.UTC)
	h := func(name string, typ byte, mode int64, extra ...func(*tar.Header)) tar.Header {
		hdr := tar.Header{Name: name, Typeflag: typ, Mode: mode, Uid: owner.UID, Gid: owner.GID, ModTime: t0}
		t0 = t0.Add(time.Hour + 250*time.Millisecond)
		for _, f := range extra {
			f(&hdr)
		}
		return hdr
	}
	xattr := func(hdr *tar.Header) { hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.test": "value"} }
	link := func(target string) func(*tar.Header) { return func(hdr *tar.Header) { hdr.Linkname = target } }
	return []entry{
		{hdr: h("d1/", tar.TypeDir, 0o755)},
		{hdr: h("d1/a", tar.TypeReg, 0o644), body: "a"},
		{hdr: h("d2/", tar.TypeDir, 0o750)},
		{hdr: h("d2/b", tar.TypeReg, 0o600), body: "b"},
		{hdr: h("f1", tar.TypeReg, 0o644), body: "f1"},
		{hdr: h("f2", tar.TypeReg, 0o640), body: "f2"},
		{hdr: h("keep/", tar.TypeDir, 0o755)},
		{hdr: h("keep/new", tar.TypeReg, 0o644), body: "new"},
		{hdr: h("exe", tar.TypeReg, 0o4755), body: "#!"},
		{hdr: h("gexe", tar.TypeReg, 0o2755), body: "#!"},
		{hdr: h("sticky/", tar.TypeDir, 0o1777)},
		{hdr: h("world", tar.TypeReg, 0o666), body: "w"},
		{hdr: h("empty", tar.TypeReg, 0o644)},
		{hdr: h("sg/", tar.TypeDir, 0o2775)},
		{hdr: h("sg/child", tar.TypeReg, 0o644), body: "c"},
		{hdr: h("sg/sub/", tar.TypeDir, 0o755)},
		{hdr: h("sg/sub/leaf", tar.TypeReg, 0o644), body: "l"},
		{hdr: h("rel", tar.TypeSymlink, 0o777, link("d1/a"))},
		{hdr: h("abs", tar.TypeSymlink, 0o777, link("/etc/passwd"))},
		{hdr: h("dangling", tar.TypeSymlink, 0o777, link("nowhere"))},
		{hdr: h("hard", tar.TypeLink, 0o644, link("d1/a"))},
		{hdr: h("fifo", tar.TypeFifo, 0o600)},
		{hdr: h("attr", tar.TypeReg, 0o644, xattr), body: "x"},
		{hdr: h("adir/", tar.TypeDir, 0o755, xattr)},
		// --parents: directories the stream implies without entries.
		{hdr: h("p/q/r", tar.TypeReg, 0o644), body: "r"},
		// A directory written into again after it was left.
		{hdr: h("d1/later", tar.TypeReg, 0o644), body: "later"},
		{hdr: h("big", tar.TypeReg, 0o644), body: strings.Repeat("0123456789", 200_000)},
	}
}

// The rootfs writer leaves what containers/storage's chrooted extraction
// of the same stream leaves: kinds, modes (setuid, setgid, sticky, a
// setgid parent's), owners, times (directories' too), contents, link
// targets, hard links and extended attributes, with entries in the way
// replaced, and nothing written through the symlinks it replaces.
func TestRootfsWriterMatchesExtraction(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: owners, devices and the chrooted extraction")
	}
	for _, owner := range []Owner{{}, {UID: 1000, GID: 1001}} {
		t.Run(fmt.Sprintf("owner %d:%d", owner.UID, owner.GID), func(t *testing.T) {
			entries := testStream(owner)
			outside := t.TempDir()
			must(t, os.WriteFile(filepath.Join(outside, "victim"), []byte("victim"), 0o644))

			want := t.TempDir()
			inTheWay(t, want, outside)
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			must(t, writeStream(tw, entries))
			must(t, tw.Close())
			must(t, chrootarchive.UntarWithRoot(&buf, want, &archive.TarOptions{}, want))

			got := t.TempDir()
			inTheWay(t, got, outside)
			dest, err := os.Open(got)
			must(t, err)
			defer dest.Close()
			rw, err := NewDirWriter(dest, DirOptions{Owner: FixedOwner(owner)})
			must(t, err)
			must(t, writeStream(rw, entries))
			must(t, rw.Close())

			compareTrees(t, want, got)
			if b, _ := os.ReadFile(filepath.Join(outside, "victim")); string(b) != "victim" {
				t.Errorf("written through a symlink: outside file now %q", b)
			}
			if names, _ := os.ReadDir(outside); len(names) != 1 {
				t.Errorf("written through a symlink: outside now holds %v", names)
			}
		})
	}
}

func compareTrees(t *testing.T, want, got string) {
	t.Helper()
	seen := map[string]bool{}
	must(t, filepath.Walk(want, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		seen[rel] = true
		if rel == "." {
			return nil
		}
		// The directories --parents implies are made now, at different times.
		times := rel != "p" && rel != "p/q"
		if w, g := describe(t, p, times), describe(t, filepath.Join(got, rel), times); w != g {
			t.Errorf("%s:\n extraction: %s\n     writer: %s", rel, w, g)
		}
		return nil
	}))
	must(t, filepath.Walk(got, func(p string, _ os.FileInfo, err error) error {
		if rel, _ := filepath.Rel(got, p); err == nil && !seen[rel] {
			t.Errorf("%s: written by the writer only", rel)
		}
		return err
	}))
	var a, b unix.Stat_t
	must(t, unix.Lstat(filepath.Join(got, "hard"), &a))
	must(t, unix.Lstat(filepath.Join(got, "d1/a"), &b))
	if a.Ino != b.Ino {
		t.Error("hard is not a hard link to d1/a")
	}
}

// describe is what the comparison looks at for one path. A directory's
// access time is left out: the comparison's own walk reads it.
func describe(t *testing.T, p string, times bool) string {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return err.Error()
	}
	d := fmt.Sprintf("mode %o owner %d:%d nlink %d", st.Mode, st.Uid, st.Gid, st.Nlink)
	if times {
		d += fmt.Sprintf(" mtime %d.%09d", st.Mtim.Sec, st.Mtim.Nsec)
		if st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			d += fmt.Sprintf(" atime %d.%09d", st.Atim.Sec, st.Atim.Nsec)
		}
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		b, err := readNoAtime(p)
		must(t, err)
		d += fmt.Sprintf(" size %d content %.20q", len(b), b)
	case syscall.S_IFLNK:
		target, err := os.Readlink(p)
		must(t, err)
		d += " -> " + target
	}
	if v, err := unix.Lgetxattr(p, "user.test", make([]byte, 64)); err == nil {
		d += fmt.Sprintf(" user.test=%d bytes", v)
	}
	return d
}

// readNoAtime reads a file without updating its access time, which
// describe compares: reading one of two hard links would otherwise date
// the other's atime "now", to the clock tick, and the two trees are read
// a few milliseconds apart.
func readNoAtime(p string) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOATIME, 0)
	if errors.Is(err, syscall.EPERM) { // O_NOATIME is for the owner or root
		f, err = os.Open(p)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The chrooted extraction re-executes the test binary.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// Entry names and hard-link targets are held to the same rule: nothing
// that names the destination's parent or lies above it, or is absolute.
func TestDirWriterRefusesNamesOutside(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  tar.Header
		want string
	}{
		{"entry ..", tar.Header{Name: "..", Typeflag: tar.TypeDir, Mode: 0o755}, "outside the destination"},
		{"entry ../x", tar.Header{Name: "../x", Typeflag: tar.TypeReg, Mode: 0o644}, "outside the destination"},
		{"entry /x", tar.Header{Name: "/x", Typeflag: tar.TypeReg, Mode: 0o644}, "outside the destination"},
		{"link to ..", tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: ".."}, "invalid hardlink"},
		{"link to ../x", tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "../x"}, "invalid hardlink"},
		{"link to /x", tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "/x"}, "invalid hardlink"},
		{"link to .", tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "."}, "invalid hardlink"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "dest")
			must(t, os.Mkdir(dir, 0o755))
			dest, err := os.Open(dir)
			must(t, err)
			defer dest.Close()
			w, err := NewDirWriter(dest, DirOptions{Owner: FixedOwner(Owner{UID: os.Geteuid(), GID: os.Getegid()})})
			must(t, err)
			defer w.Abort()
			err = w.WriteHeader(&tc.hdr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WriteHeader(%q -> %q) = %v, want an error saying %q", tc.hdr.Name, tc.hdr.Linkname, err, tc.want)
			}
		})
	}
}
