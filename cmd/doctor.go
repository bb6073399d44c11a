package cmd

import (
	"fmt"

	"github.com/hodbuild/hod/doctor"
	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
	"go.podman.io/storage/pkg/unshare"
)

// NewDoctor returns "hod doctor".
func NewDoctor(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check what hod needs from this machine; print the fix for each problem",
		Long: "Check the machine for root and rootless use: subuid/subgid ranges, newuidmap/newgidmap,\n" +
			"the kernel's overlay in user namespaces, the OCI runtime, slirp4netns and /dev/net/tun, and\n" +
			"the store. One line per check (✓ or ✗); each ✗ is followed by the command that fixes it.\n" +
			"Exits 1 if a check failed.",
		Example: `  hod doctor`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			checks := doctor.Run(unshare.GetRootlessUID(), func() (string, string, error) {
				store, err := g.Store()
				if err != nil {
					return "", "", err
				}
				return store.GraphDriverName(), store.GraphRoot(), nil
			})
			failed := false
			for _, c := range checks {
				mark := "✓"
				if !c.OK {
					mark, failed = "✗", true
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s\n", mark, c.Name, c.Detail)
				if c.Fix != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "    fix: %s\n", c.Fix)
				}
			}
			if failed {
				return &run.ExitError{Code: 1}
			}
			return nil
		},
	}
}
