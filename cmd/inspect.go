package cmd

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/template"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/inspect"
	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

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
			isolation, err := run.ParseIsolation(cmp.Or(os.Getenv("HOD_ISOLATION"), os.Getenv("BUILDAH_ISOLATION")))
			if err != nil {
				return err
			}
			var info *inspect.Builder
			if kind != "image" {
				c, err := container.Open(store, args[0])
				switch {
				case err == nil:
					if info, err = inspect.Container(cmd.Context(), c, sys, isolation); err != nil {
						return err
					}
				case kind == "container" || !errors.Is(err, container.ErrNotFound):
					return err
				}
			}
			if info == nil {
				if info, err = inspect.Image(cmd.Context(), store, sys, args[0], isolation); err != nil {
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
	t, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return fmt.Errorf("parse --format: %w", err)
	}
	if err := t.Execute(out, v); err != nil {
		return err
	}
	// As buildah: a newline ends the output on a terminal only, so
	// $(hod inspect --format …) and pipes see exactly the template's text.
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(out)
	}
	return nil
}
