package cmd

import (
	"fmt"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
)

// NewFrom returns "hod from".
func NewFrom(g *globals) *cobra.Command {
	var (
		reg                 registryFlags
		name, cidfile, pull string
		quiet               bool
	)
	cmd := &cobra.Command{
		Use:   "from [flags] IMAGE",
		Short: "Create a working container from an image, or from scratch",
		Long:  "Create a working container from IMAGE (a local name or ID, or a transport reference such as\noci:DIR:TAG, docker-archive:FILE, dir:DIR or docker://REGISTRY/NAME), or an empty one from \"scratch\".\nThe container's name is printed on stdout.",
		Example: `  ctr=$(hod from scratch)
  hod from --name web localhost/base:1
  hod from --pull never oci:/tmp/layout:app`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			policy, err := storage.ParsePullPolicy(pull)
			if err != nil {
				return err
			}
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			c, err := container.From(cmd.Context(), store, sys, args[0], container.Options{
				Name: name,
				Pull: storage.PullOptions{Policy: policy, Report: progress(cmd, quiet)},
			})
			if err != nil {
				return err
			}
			if err := writeIDFile(cidfile, c.ID); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), c.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "name of the working container (default IMAGE-working-container)")
	f.StringVar(&cidfile, "cidfile", "", "write the container ID to this file")
	f.StringVar(&pull, "pull", string(storage.PullMissing), "pull policy: always, missing, never")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report pull progress")
	addRegistryFlags(cmd, &reg)
	return cmd
}
