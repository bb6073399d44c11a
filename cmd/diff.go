package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/hodbuild/hod/diff"
	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
)

// NewDiff returns "hod diff".
func NewDiff(g *globals) *cobra.Command {
	var (
		reg                 registryFlags
		asJSON, exitCode    bool
		configOnly, noFiles bool
	)
	cmd := &cobra.Command{
		Use:   "diff [flags] A B",
		Short: "Show what differs between two images or working containers",
		Long: "Compare A and B, each a working container, a local image, or an image in any transport\n" +
			"(docker://, oci:DIR:TAG, dir:, docker-archive:, ...): their configurations field by field (JSON\n" +
			"paths such as config.Env or history[2].created_by), their layer lists (diff IDs; a working\n" +
			"container's uncommitted changes are its last layer), and their files: added (+), removed (-)\n" +
			"and changed (~) in type, content, link target, mode, owner, mtime, extended attributes or\n" +
			"device numbers. A name is a working container if one has it, else an image.\n" +
			"It answers \"why is my rebuild not bit-for-bit identical\": two builds that differ only in a\n" +
			"file's mtime say exactly that. Exit status 0, or with --exit-code 1 when A and B differ.",
		Example: `  hod diff localhost/app:1 localhost/app:2
  hod diff --json oci:/tmp/a:app oci:/tmp/b:app | jq '.files[] | select(.change == "changed")'
  hod diff --exit-code "$ctr" localhost/app:1 || echo "the container has changes"
  hod diff --config-only docker://registry.example/app:1 localhost/app:1`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			files := !noFiles && !configOnly
			var sides [2]diff.Side
			for i, name := range args {
				if sides[i], err = diff.Read(cmd.Context(), store, sys, name, files); err != nil {
					return err
				}
			}
			r, err := diff.Compare(sides[0], sides[1])
			if err != nil {
				return err
			}
			if configOnly {
				r.Layers, r.Files = diff.LayerChange{}, nil
			}
			if asJSON {
				out, err := json.MarshalIndent(r, "", "    ")
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), string(out))
			} else {
				fmt.Fprint(cmd.OutOrStdout(), r.Text())
			}
			if exitCode && !r.Same() {
				return &run.ExitError{Code: 1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the differences as JSON (config, layers, files)")
	f.BoolVar(&exitCode, "exit-code", false, "exit with status 1 when A and B differ")
	f.BoolVar(&noFiles, "no-files", false, "compare configurations and layer lists only, not files")
	f.BoolVar(&configOnly, "config-only", false, "compare configurations only")
	addRegistryFlags(cmd, &reg)
	return cmd
}
