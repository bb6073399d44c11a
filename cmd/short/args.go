package short

import (
	"errors"

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

// TooMany is buildah's word for more arguments than a command takes.
const TooMany = "too many arguments specified"
