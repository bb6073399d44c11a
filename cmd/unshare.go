package cmd

import (
	"cmp"
	"errors"
	"os"
	"os/exec"
	"strings"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
)

// NewUnshare returns "hod unshare": run a command where the store is
// usable. As root that is here and now: no user namespace is needed, so
// the command simply runs (with $CONTAINERS_STORAGE_CONF and the rest of
// the environment passed on).
func NewUnshare(g *globals) *cobra.Command {
	var mounts []string
	cmd := &cobra.Command{
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
			env, err := mountEnv(g, mounts)
			if err != nil {
				return err
			}
			c.Env = append(os.Environ(), env...)
			err = c.Run()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return &run.ExitError{Code: exit.ExitCode()}
			}
			return err
		},
	}
	cmd.Flags().StringArrayVarP(&mounts, "mount", "m", nil, "mount [VAR=]CONTAINER and set $VAR (default: the container's name) to its path (repeatable)")
	return cmd
}

// mountEnv mounts each [VAR=]CONTAINER of unshare --mount and returns
// VAR=PATH settings for the command's environment.
func mountEnv(g *globals, mounts []string) ([]string, error) {
	if len(mounts) == 0 {
		return nil, nil
	}
	store, err := g.Store()
	if err != nil {
		return nil, err
	}
	var env []string
	for _, m := range mounts {
		name, ctr, ok := strings.Cut(m, "=")
		if !ok {
			ctr = name
		}
		c, err := container.Open(store, ctr)
		if err != nil {
			return nil, err
		}
		path, err := c.Mount()
		if err != nil {
			return nil, err
		}
		if !ok {
			name = c.Name
		}
		env = append(env, name+"="+path)
	}
	return env, nil
}
