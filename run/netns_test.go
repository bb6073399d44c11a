package run

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Making a network namespace keeps every thread of hod: children forked
// with Pdeathsig (slirp4netns of a concurrent run, chroot isolation's
// child) die with the thread that forked them, and a thread retired after
// the namespace was made killed them (bud --jobs, under load).
func TestNewNetnsKeepsThreads(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	var children []*exec.Cmd
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 16 { // forked from as many of the runtime's threads as it uses
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("sleep", "30")
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			if err := cmd.Start(); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			children = append(children, cmd)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i := range 40 {
		dir := filepath.Join(t.TempDir(), "n")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		_, remove, err := newNetns(dir)
		if err != nil {
			t.Fatalf("namespace %d: %v", i, err)
		}
		remove()
	}
	for _, c := range children {
		// A killed child is a zombie until waited for: its state says.
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Process.Pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			t.Errorf("child %d died when a namespace was made: %s %v", c.Process.Pid, stat, err)
		}
		_ = c.Process.Kill()
		_ = c.Wait()
	}
}
