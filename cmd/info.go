package cmd

import (
	"runtime"

	"github.com/spf13/cobra"
)

// NewInfo returns "hod info".
func NewInfo(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "info [flags]",
		Short:   "Show the host and the storage hod uses",
		Example: `  hod info --format '{{.store.GraphDriverName}}'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			images, err := store.Images()
			if err != nil {
				return err
			}
			containers, err := store.Containers()
			if err != nil {
				return err
			}
			info := map[string]any{
				"host": map[string]any{"os": runtime.GOOS, "arch": runtime.GOARCH, "cpus": runtime.NumCPU()},
				"store": map[string]any{
					"GraphRoot": store.GraphRoot(), "RunRoot": store.RunRoot(),
					"GraphDriverName": store.GraphDriverName(), "GraphOptions": store.GraphOptions(),
					"ImageStore": map[string]int{"number": len(images)}, "ContainerStore": map[string]int{"number": len(containers)},
				},
			}
			return printOne(cmd.OutOrStdout(), info, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "print with a Go template instead of JSON")
	return cmd
}
