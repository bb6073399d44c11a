package short

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Args checks the number of positional arguments in buildah's words (so
// scripts that match them keep working): few for fewer than min, many for
// more than max (max < 0: no limit).
func Args(min, max int, few, many string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < min:
			return errors.New(few)
		case max >= 0 && len(args) > max:
			return errors.New(many)
		}
		return nil
	}
}

// atMost refuses more than max arguments in buildah's words for a listing,
// which name the command: format's %s is its path ("hod images").
func atMost(max int, format string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > max {
			return fmt.Errorf(format, cmd.CommandPath())
		}
		return nil
	}
}

// TooMany is buildah's word for more arguments than a command takes.
const TooMany = "too many arguments specified"
