// Package failpoint lets the crash tests kill hod at exact points of a
// write: with HOD_FAILPOINT=NAME in its environment, hod SIGKILLs itself
// when it reaches Hit(NAME); with HOD_FAILPOINT=NAME:sleep it waits there
// half a second instead, so a race test can act inside the window. Unset
// (always, outside tests) it costs one string comparison.
package failpoint

import (
	"os"
	"syscall"
	"time"
)

var armed = os.Getenv("HOD_FAILPOINT")

// Hit kills the process if name is the armed failpoint.
func Hit(name string) {
	switch {
	case armed == "":
	case armed == name:
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	case armed == name+":sleep":
		time.Sleep(500 * time.Millisecond)
	}
}
