package cmd

import (
	"cmp"
	"errors"
	"os"
	"os/exec"

	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
)

// NewUnshare returns "hod unshare": run a command where the store is
// usable. As root that is here and now: no user namespace is needed, so
// the command simply runs (with $CONTAINERS_STORAGE_CONF and the rest of
// the environment passed on).
func NewUnshare(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "unshare [COMMAND [ARGS...]]",
		Short: "Run a command where containers/storage is usable (as root: directly)",
		Example: `  hod unshare sh -c 'mnt=$(hod mount "$ctr") && cp app "$mnt/usr/bin/"'
  hod unshare id -u`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{cmp.Or(os.Getenv("SHELL"), "/bin/sh")}
			}
			c := exec.CommandContext(cmd.Context(), args[0], args[1:]...)
			c.Stdin, c.Stdout, c.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			err := c.Run()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return &run.ExitError{Code: exit.ExitCode()}
			}
			return err
		},
	}
}
