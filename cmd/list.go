package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"

	"github.com/spf13/cobra"
)

// listFlags are the output flags of listing commands (containers, images).
type listFlags struct {
	json, noHeading, quiet bool
	format                 string
}

func addListFlags(cmd *cobra.Command, l *listFlags) {
	f := cmd.Flags()
	f.BoolVar(&l.json, "json", false, "print JSON")
	f.StringVar(&l.format, "format", "", "print each entry with a Go template, e.g. '{{.ID}}'")
	f.BoolVarP(&l.noHeading, "noheading", "n", false, "print no column headings")
	f.BoolVarP(&l.quiet, "quiet", "q", false, "print IDs only")
	cmd.MarkFlagsMutuallyExclusive("json", "format", "quiet")
}

var templateFuncs = template.FuncMap{
	"json":  func(v any) (string, error) { b, err := json.Marshal(v); return string(b), err },
	"trunc": func(s string) string { return s[:min(12, len(s))] },
	"join":  strings.Join,
}

// printRows prints rows as JSON, through --format, as IDs (quiet), or as
// a table: header is the table's heading, row its Go template.
func printRows[T any](out io.Writer, rows []T, l listFlags, header, row, quietRow string) error {
	if l.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "    ")
		if rows == nil {
			rows = []T{}
		}
		return enc.Encode(rows)
	}
	text, table := row, true
	switch {
	case l.quiet:
		text, table = quietRow, false
	case l.format != "":
		text, table = l.format, false
	}
	t, err := template.New("format").Funcs(templateFuncs).Parse(text + "\n")
	if err != nil {
		return fmt.Errorf("parse --format: %w", err)
	}
	w := out
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
		w = tw
		if !l.noHeading {
			fmt.Fprintln(tw, header)
		}
	}
	for _, r := range rows {
		if err := t.Execute(w, r); err != nil {
			return fmt.Errorf("print with --format: %w", err)
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
