package lockdir

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A directory is reaped only once its owner is gone: not while this
// process holds it, and not while another process (flock(1)) holds it.
func TestReapOnlyDeadOwners(t *testing.T) {
	parent := t.TempDir()
	mine, err := New(parent, "x-")
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(parent, "x-other")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	// The lock belongs to the open directory that ends up in "sleep" alone:
	// killing that process is the owner's death.
	holder := exec.Command("sh", "-c", `exec 9<"$1"; flock -x 9; exec sleep 30`, "sh", other)
	if err := holder.Start(); err != nil {
		t.Skip("flock(1) needed:", err)
	}
	for i := 0; !Live(other) && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	var reaped []string
	if err := Reap(parent, "x-", func(d string) error { reaped = append(reaped, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(reaped) != 0 {
		t.Fatalf("reaped %v while their owners live", reaped)
	}
	_ = holder.Process.Kill()
	_ = holder.Wait()
	if err := Reap(parent, "x-", func(d string) error { reaped = append(reaped, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(reaped) != 1 || reaped[0] != other {
		t.Fatalf("reaped %v, want only %s", reaped, other)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("%s still there", other)
	}
	if !Live(mine.Path) {
		t.Error("this process's directory is not live")
	}
	if err := mine.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mine.Path); !os.IsNotExist(err) {
		t.Error("Release left the directory")
	}
}

// A half-made directory (its maker was killed before renaming it) goes at
// the next Reap; New still makes directories while Reap runs.
func TestReapHalfMade(t *testing.T) {
	parent := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(parent, fmt.Sprintf(".new-x-%d-123", dead.Process.Pid))
	if err := os.Mkdir(half, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Reap(parent, "x-", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(half); !os.IsNotExist(err) {
		t.Errorf("half-made %s not removed", half)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			_ = Reap(parent, "x-", nil)
		}
	}()
	for i := 0; i < 200; i++ {
		d, err := New(parent, "x-")
		if err != nil {
			t.Fatalf("New while reaping: %v", err)
		}
		if !Live(d.Path) {
			t.Fatalf("%s not live", d.Path)
		}
		d.Release()
	}
	<-done
}

// A directory a live process is making (not locked yet: it has just been
// created) stays: its maker would fail to lock or rename it.
func TestReapSparesLiveMaker(t *testing.T) {
	parent := t.TempDir()
	making := filepath.Join(parent, fmt.Sprintf(".new-x-%d-123", os.Getpid()))
	if err := os.Mkdir(making, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Reap(parent, "x-", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(making); err != nil {
		t.Errorf("a live maker's directory went: %v", err)
	}
}
