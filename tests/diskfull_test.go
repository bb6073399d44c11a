package tests

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A store on a full file system: copy and commit fail with a clear error
// (exit 125, "no space left on device") and leave no named half-written
// image and no unreachable layer; once space is freed (a ballast file on
// the same file system is removed) the store works.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	h := newHodEnv(t)
	small := filepath.Join(h.dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", small, "tmpfs", 0, "size=48m"); err != nil {
		t.Skip("tmpfs:", err)
	}
	defer syscall.Unmount(small, syscall.MNT_DETACH) //nolint:errcheck
	h.root = filepath.Join(small, "root")
	conf := filepath.Join(h.dir, "storage.conf")
	if err := os.WriteFile(conf, []byte("[storage]\ndriver = \"overlay\"\ngraphroot = \""+h.root+"\"\nrunroot = \""+h.runRoot+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeRandom(t, filepath.Join(h.dir, "huge"), 64<<20)
	writeRandom(t, filepath.Join(h.dir, "half"), 30<<20)
	ballast := filepath.Join(small, "ballast")
	writeRandom(t, ballast, 8<<20)

	ctr := h.must("from", "scratch")
	_, errs, code := h.run("copy", ctr, filepath.Join(h.dir, "huge"), "/huge")
	if code != 125 || !strings.Contains(errs, "no space left on device") {
		t.Errorf("copy of 64 MB into 48 MB: exit %d, %q; want 125 and the reason", code, errs)
	}
	if _, _, code := h.run("images"); code != 0 {
		t.Error("the store does not open on a full disk")
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	h.must("rm", ctr)
	writeRandom(t, ballast, 8<<20)

	// 30 MB fit; committing them needs as much again
	ctr = h.must("from", "scratch")
	h.must("copy", ctr, filepath.Join(h.dir, "half"), "/half")
	_, errs, code = h.run("commit", ctr, "localhost/full")
	if code != 125 || !strings.Contains(errs, "no space left on device") {
		t.Errorf("commit on a full disk: exit %d, %q; want 125 and the reason", code, errs)
	}
	if _, _, code := h.run("images", "localhost/full"); code == 0 {
		t.Error("a failed commit left a named image")
	}
	h.checkReachable()
	h.checkNoTemp()

	// space freed: the store works
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	h.must("rm", ctr)
	ctr = h.must("from", "scratch")
	h.must("copy", ctr, filepath.Join(h.dir, "storage.conf"), "/conf")
	h.must("commit", "-q", ctr, "localhost/after")
	verifyImage(t, h, "localhost/after")
	h.checkReachable()
}
