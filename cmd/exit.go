package cmd

import (
	"errors"
	"fmt"
	"os/user"
	"strings"

	"github.com/hodbuild/hod/run"
	"go.podman.io/storage/pkg/unshare"
)

// ExitCode maps an error to hod's exit status, buildah's convention: 0 for
// success, a run's command status (126/127 when it could not start) for a
// *run.ExitError, and 125 for hod's own errors (bad flags, unknown
// containers or images, storage failures).
func ExitCode(err error) int {
	var exit *run.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	}
	return 125
}

// Message is what hod prints for err on stderr, or "" when the error is a
// run's bare exit status, which the command has reported itself. Wrapped
// with context (a bud step), the status is printed with it.
func Message(err error) string {
	if exit, ok := err.(*run.ExitError); err == nil || ok && exit.Msg == "" {
		return ""
	}
	msg := "Error: " + err.Error()
	if strings.Contains(msg, "insufficient UIDs or GIDs") {
		msg += "\n" + subIDHint()
	}
	return msg
}

// subIDHint says how to give a rootless user the IDs an image needs.
func subIDHint() string {
	name := "USER"
	if u, err := user.LookupId(fmt.Sprint(unshare.GetRootlessUID())); err == nil {
		name = u.Username
	}
	return fmt.Sprintf("Hint: the image has files of users your user namespace cannot map. Add a range for %s to /etc/subuid and /etc/subgid (the line %s:100000:65536 in each, or: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s), then run hod again; hod doctor checks it.", name, name, name)
}
