package cmd

import (
	"errors"
	"strconv"
)

// ExitError carries an exit status that is not hod's own failure, such as
// a child's status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// ExitCode maps an error to hod's exit status, buildah's convention: 0 for
// success, the carried status for an *ExitError, and 125 for hod's own errors
// (bad flags, unknown containers or images, storage failures).
func ExitCode(err error) int {
	var exit *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	}
	return 125
}
