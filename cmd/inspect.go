package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/template"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
)

// containerInfo is what "inspect" shows of a working container.
type containerInfo struct {
	Type string
	container.State
	MountPoint string
}

// NewInspect returns "hod inspect".
func NewInspect(g *globals) *cobra.Command {
	var kind, format string
	cmd := &cobra.Command{
		Use:   "inspect [flags] CONTAINER|IMAGE",
		Short: "Show a working container's or an image's configuration as JSON",
		Example: `  hod inspect "$ctr"
  hod inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' localhost/app:1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(registryFlags{})
			if err != nil {
				return err
			}
			var info any
			if kind != "image" {
				c, err := container.Open(store, args[0])
				switch {
				case err == nil:
					mnt, err := c.MountPoint()
					if err != nil {
						return err
					}
					info = containerInfo{"container", c.State, mnt}
				case kind == "container" || !errors.Is(err, container.ErrNotFound):
					return err
				}
			}
			if info == nil {
				if info, err = storage.Inspect(cmd.Context(), store, sys, args[0]); err != nil {
					return err
				}
			}
			return printOne(cmd.OutOrStdout(), info, format)
		},
	}
	cmd.Flags().StringVarP(&kind, "type", "t", "", "what to inspect: container or image (default: container, else image)")
	cmd.Flags().StringVarP(&format, "format", "f", "", "print with a Go template instead of JSON")
	return cmd
}

func printOne(out io.Writer, v any, format string) error {
	if format == "" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "    ")
		return enc.Encode(v)
	}
	t, err := template.New("format").Funcs(templateFuncs).Parse(format + "\n")
	if err != nil {
		return fmt.Errorf("parse --format: %w", err)
	}
	return t.Execute(out, v)
}
