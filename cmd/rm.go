package cmd

import (
	"fmt"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
)

// NewRm returns "hod rm".
func NewRm(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:     "rm [flags] CONTAINER...",
		Aliases: []string{"delete"},
		Short:   "Remove working containers",
		Example: `  hod rm "$ctr"
  hod rm --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := nameOrAll(args, all, "container ID must be specified", "when using the --all switch, you may not pass any containers names or IDs"); err != nil {
				return err
			}
			store, err := g.Store()
			if err != nil {
				return err
			}
			removed, rest, err := container.RemoveRemains(store, args, all)
			for _, id := range removed {
				fmt.Fprintln(cmd.OutOrStdout(), id)
			}
			if err != nil || !all && len(rest) == 0 {
				return err
			}
			notFound := func(name string) error {
				return fmt.Errorf("removing container %q: %w", name, container.ErrNotFound)
			}
			return eachContainer(g, cmd.ErrOrStderr(), rest, all, notFound, func(c *container.Container) error {
				// A command still running in it is stopped first, and what
				// a killed run left (processes, mounts) is cleaned up.
				if err := run.Stop(c); err != nil {
					return err
				}
				if err := c.Delete(); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), c.ID)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all working containers")
	return cmd
}

// NewRename returns "hod rename".
func NewRename(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "rename CONTAINER NEW-NAME",
		Short:   "Rename a working container",
		Example: `  hod rename scratch-working-container builder`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			c, err := container.Open(store, args[0])
			if err != nil {
				return err
			}
			return c.Rename(args[1])
		},
	}
}
