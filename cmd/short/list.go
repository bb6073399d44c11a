package short

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
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

// table is how a listing prints without --json: header and row are the
// table's heading and Go template, quiet the template of -q; columns are
// padded by padding spaces. alignFormat aligns --format output in columns
// too, its spaces separating them, as buildah's images does.
type table struct {
	header, row, quiet string
	padding            int
	alignFormat        bool
}

// printRows prints rows as JSON, through --format, as IDs (quiet), or as
// a table.
func printRows[T any](out io.Writer, rows []T, l listFlags, tb table) error {
	if l.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "    ")
		if rows == nil {
			rows = []T{}
		}
		return enc.Encode(rows)
	}
	text, aligned := tb.row, true
	switch {
	case l.quiet:
		text, aligned = tb.quiet, false
	case l.format != "":
		text, aligned = l.format, tb.alignFormat
		if aligned {
			text = spacesToTabs(text)
		}
	}
	t, err := template.New("format").Funcs(templateFuncs).Parse(text + "\n")
	if err != nil {
		return fmt.Errorf("parse --format: %w", err)
	}
	w := out
	var tw *tabwriter.Writer
	if aligned {
		tw = tabwriter.NewWriter(out, 0, 8, tb.padding, ' ', 0)
		w = tw
		if !l.noHeading && l.format == "" {
			fmt.Fprintln(tw, tb.header)
		}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		var line bytes.Buffer
		if err := t.Execute(&line, r); err != nil {
			return fmt.Errorf("print with --format: %w", err)
		}
		if l.quiet {
			// An image with several names is one ID, printed once (buildah).
			if seen[line.String()] {
				continue
			}
			seen[line.String()] = true
		}
		if _, err := w.Write(line.Bytes()); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// spacesToTabs turns the spaces between a template's actions into column
// separators, leaving the actions themselves alone.
func spacesToTabs(format string) string {
	var b strings.Builder
	for format != "" {
		open := strings.Index(format, "{{")
		if open < 0 {
			open = len(format)
		}
		b.WriteString(strings.ReplaceAll(format[:open], " ", "\t"))
		format = format[open:]
		end := strings.Index(format, "}}")
		if end < 0 {
			b.WriteString(format)
			break
		}
		b.WriteString(format[:end+2])
		format = format[end+2:]
	}
	return b.String()
}

// pathMatch is path.Match: "*" does not cross "/".
var pathMatch = path.Match

// errUnknownFilter is returned by a listing's filter maker for a key it
// does not know.
var errUnknownFilter = errors.New("unknown filter")

// verbatimError is a filter error whose text is buildah's, so parseFilters
// does not add its own context.
type verbatimError struct{ error }

// filterWords are a listing's error texts for a --filter without "=" and
// one with an unknown key, each with one %q: buildah's, which differ
// between images and containers.
type filterWords struct{ malformed, unknown string }

// parseFilters turns --filter KEY=VALUE flags into one predicate: all of
// them must hold. byKey makes the predicate of one key and value.
func parseFilters[T any](list []string, words filterWords, byKey func(k, v string) (func(T) bool, error)) (func(T) bool, error) {
	var preds []func(T) bool
	for _, f := range list {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf(words.malformed, f)
		}
		pred, err := byKey(k, v)
		if errors.Is(err, errUnknownFilter) {
			return nil, fmt.Errorf(words.unknown, k)
		}
		var verbatim verbatimError
		if errors.As(err, &verbatim) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("parse --filter %q: %w", f, err)
		}
		preds = append(preds, pred)
	}
	return func(x T) bool {
		for _, p := range preds {
			if !p(x) {
				return false
			}
		}
		return true
	}, nil
}

// PrintJSON prints rows as --json does.
func PrintJSON[T any](out io.Writer, rows []T) error {
	return printRows(out, rows, listFlags{json: true}, table{})
}
