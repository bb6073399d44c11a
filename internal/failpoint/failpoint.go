// Package failpoint lets the crash tests kill hod at exact points of a
// write: with HOD_FAILPOINT=NAME in its environment, hod SIGKILLs itself
// when it reaches Hit(NAME). Unset (always, outside tests) it costs one
// string comparison.
package failpoint

import (
	"os"
	"syscall"
)

var armed = os.Getenv("HOD_FAILPOINT")

// Hit kills the process if name is the armed failpoint.
func Hit(name string) {
	if armed != "" && armed == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
