package userns

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// A pid file naming a process that is not a pause process (a PID reused
// after the pause process died) is no pause process: hod makes a new one
// rather than join a stranger's namespaces.
func TestPausePIDRejectsOtherProcesses(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	file := pidFile(4242)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{strconv.Itoa(os.Getpid()), "1", "garbage", ""} {
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if pid := PausePID(4242); pid != 0 {
			t.Errorf("pid file %q: PausePID = %d, want 0", content, pid)
		}
	}
}
