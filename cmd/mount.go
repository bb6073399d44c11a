package cmd

import (
	"fmt"

	"github.com/hodbuild/hod/cmd/short"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/userns"
	"github.com/spf13/cobra"
)

// NewMount returns "hod mount".
func NewMount(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "mount [CONTAINER...]",
		Short: "Mount working containers' root filesystems and print where",
		Long:  "Mount each CONTAINER's root filesystem and print its path on the host (with several\ncontainers: \"NAME PATH\" lines). With no arguments, list mounted containers.\nMounts are reference-counted: each mount needs an umount. The path stays the container's\nacross commit --layer checkpoints.",
		Example: `  mnt=$(hod mount "$ctr")
  make install DESTDIR="$mnt"
  hod umount "$ctr"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				return listMounts(store, out, asJSON)
			}
			return eachContainer(g, cmd.ErrOrStderr(), args, false, nil, func(c *container.Container) error {
				path, err := c.MountStable()
				if err != nil {
					return err
				}
				path = userns.Path(path) // a rootless caller sees it through the pause process
				switch {
				case asJSON:
					return short.PrintJSON(out, []mountRow{{c.Name, path}})
				case len(args) == 1:
					fmt.Fprintln(out, path)
				default:
					fmt.Fprintln(out, c.Name, path)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (container and mountPoint)")
	return cmd
}

// NewUmount returns "hod umount".
func NewUmount(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:     "umount [flags] CONTAINER...",
		Aliases: []string{"unmount"},
		Short:   "Unmount working containers' root filesystems",
		Example: `  hod umount "$ctr"
  hod umount --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := nameOrAll(args, all, "at least one container ID must be specified", "when using the --all switch, you may not pass any container IDs"); err != nil {
				return err
			}
			notFound := func(name string) error {
				return fmt.Errorf("error unmounting container %s: %w", name, container.ErrNotFound)
			}
			return eachContainer(g, cmd.ErrOrStderr(), args, all, notFound, func(c *container.Container) error {
				if err := c.UnmountStable(all); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), c.ID)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "unmount all working containers")
	return cmd
}
