package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/hodbuild/hod/rebase"
	"github.com/spf13/cobra"
)

// NewRebase returns "hod rebase".
func NewRebase(g *globals) *cobra.Command {
	var (
		reg   registryFlags
		o     rebase.Options
		tag   string
		quiet bool
	)
	cmd := &cobra.Command{
		Use:   "rebase [flags] IMAGE",
		Short: "Move an image onto a patched base image without rebuilding it",
		Long: "Replace the layers IMAGE took from its base (OLD) with the layers of a new base (NEW), and keep\n" +
			"IMAGE's own layers, history and configuration. Rules for the configuration:\n" +
			"  - a setting IMAGE left as OLD had it follows NEW (so a patched base's new PATH or label\n" +
			"    arrives); a setting IMAGE changed or added stays IMAGE's; environment variables, labels,\n" +
			"    exposed ports and volumes are merged key by key, and a key IMAGE removed stays removed;\n" +
			"  - the history is NEW's, then IMAGE's own entries; the platform must be the same.\n" +
			"OLD defaults to the image IMAGE records as its base (org.opencontainers.image.base.digest,\n" +
			"which hod's and buildah's commits and builds write), NEW to the current image of the\n" +
			"recorded base name (org.opencontainers.image.base.name): local if stored, else the\n" +
			"registry's. The result records NEW in those annotations and is written, in OCI format, to -t\n" +
			"NAME (default: IMAGE's own name). IMAGE, the bases and NAME may be local or any transport\n" +
			"(docker://, oci:, dir:); between registries only the blobs the destination lacks are sent.\n" +
			"A rebase is refused when IMAGE's bottom layers are not OLD's. The new image ID is printed.",
		Example: `  hod rebase localhost/app:1                      # onto the current localhost/base it names
  hod rebase --new-base localhost/base:1.1 -t localhost/app:1-patched localhost/app:1
  hod rebase --tls-verify=false -t docker://registry.example/app:2 docker://registry.example/app:1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			o.Report = cmd.ErrOrStderr()
			if quiet {
				o.Report = io.Discard
			}
			id, err := rebase.Rebase(cmd.Context(), store, sys, args[0], tag, o)
			if errors.Is(err, rebase.ErrNoBase) {
				return err
			}
			if err != nil {
				return fmt.Errorf("rebase %s: %w", args[0], err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), id.Encoded())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.OldBase, "old-base", "", "the base IMAGE was built on (default: the one it records)")
	f.StringVar(&o.NewBase, "new-base", "", "the base to move IMAGE onto (default: the current image of the recorded base name)")
	f.StringVarP(&tag, "tag", "t", "", "where to write the result (default: IMAGE's own name)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	addRegistryFlags(cmd, &reg)
	return cmd
}
