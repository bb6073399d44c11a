package cmd

import (
	"errors"

	"github.com/hodbuild/hod/run"
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
	return "Error: " + err.Error()
}
