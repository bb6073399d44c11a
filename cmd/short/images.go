package short

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/hodbuild/hod/storage/catalog"
	"github.com/spf13/cobra"
)

// imageRow is one line of "hod images" (one per name) with buildah's
// template fields and --json keys.
type imageRow struct {
	ID           string   `json:"id"`
	Name         string   `json:"-"`
	Tag          string   `json:"-"`
	Names        []string `json:"names"`
	Digest       string   `json:"digest"`
	CreatedAt    string   `json:"createdat"`
	Size         string   `json:"size"`
	Created      int64    `json:"created"`
	CreatedAtRaw string   `json:"createdatraw"`
	ReadOnly     bool     `json:"readonly"`
	HistoryList  []string `json:"history"`
	// History is the names the image had before, joined (the template field).
	History string `json:"-"`
}

// NewImages returns "hod images".
func NewImages(env Env) *cobra.Command {
	var (
		l                     listFlags
		all, digests, noTrunc bool
		history               bool
		filters               []string
	)
	cmd := &cobra.Command{
		Use:   "images [flags] [IMAGE]",
		Short: "List images in local storage",
		Example: `  hod images
  hod images --digests localhost/app
  hod images --filter dangling=true -q
  hod images --format '{{.Name}}:{{.Tag}} {{.ID}}'`,
		Args: atMost(1, "'%s' requires at most 1 argument"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) > 0 {
				name = args[0]
			}
			list, cat, err := listImages(env, name, all)
			if err != nil {
				return err
			}
			if name != "" && len(list) == 0 {
				return fmt.Errorf("%s: %w", name, catalog.ErrImageNotFound)
			}
			keep, err := parseFilters(filters, imageFilterWords, imageFilters{cat: cat, env: env}.byKey)
			if err != nil {
				return err
			}
			var rows []imageRow
			for _, img := range list {
				if keep(img) {
					rows = append(rows, imageRows(img, l.json, noTrunc)...)
				}
			}
			header, row := "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE", "{{.Name}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedAt}}\t{{.Size}}"
			if digests {
				header, row = "REPOSITORY\tTAG\tDIGEST\tIMAGE ID\tCREATED\tSIZE", "{{.Name}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedAt}}\t{{.Size}}"
			}
			if history {
				header, row = header+"\tHISTORY", row+"\t{{or .History \"<none>\"}}"
			}
			return printRows(cmd.OutOrStdout(), rows, l, table{header: header, row: row, quiet: "{{.ID}}", padding: 3, alignFormat: true})
		},
	}
	addListFlags(cmd, &l)
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "also list intermediate (unnamed parent) images")
	f.BoolVar(&digests, "digests", false, "show manifest digests")
	f.BoolVar(&history, "history", false, "show the names each image had before")
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate image IDs")
	f.BoolVar(&noTrunc, "notruncate", false, "do not truncate image IDs")
	_ = f.MarkHidden("notruncate")
	f.StringArrayVarP(&filters, "filter", "f", nil, "keep images matching KEY=VALUE: reference=PATTERN, label=KEY[=VALUE], since=IMAGE, before=IMAGE, id=ID, digest=DIGEST, dangling=true|false, readonly=false")
	return cmd
}

// listImages lists the store's images; a name needs the full binary,
// which knows what short names stand for, and so do sizes the image
// records lack.
func listImages(env Env, name string, all bool) ([]catalog.Summary, catalog.Reader, error) {
	cat, err := env.Catalog()
	if err != nil {
		return nil, nil, err
	}
	images, err := cat.Images()
	if err != nil {
		return nil, nil, err
	}
	layers, err := cat.Layers()
	if err != nil {
		return nil, nil, err
	}
	full := env.Full()
	if full == nil {
		if name != "" {
			return nil, nil, catalog.ErrHandOver
		}
		list, err := catalog.List(images, layers, "", nil, all, catalog.ImageSizes(layers))
		return list, cat, err
	}
	var candidates []string
	if name != "" {
		candidates = full.Candidates(name)
	}
	// As before the catalog: a size containers/storage cannot tell is -1.
	size := func(img catalog.Image) (int64, error) {
		n, err := full.ImageSize(img.ID)
		if err != nil {
			return -1, nil
		}
		return n, nil
	}
	list, err := catalog.List(images, layers, name, candidates, all, size)
	return list, cat, err
}

func imageRows(img catalog.Summary, one, noTrunc bool) []imageRow {
	id := img.ID[:min(12, len(img.ID))]
	if noTrunc {
		id = "sha256:" + img.ID
	}
	base := imageRow{ID: id, Names: img.Names, Digest: img.Digest, CreatedAt: units.HumanDuration(time.Since(img.Created)) + " ago",
		Size: humanSize(img.Size), Created: img.Created.Unix(),
		CreatedAtRaw: img.Created.Format(time.RFC3339Nano), Name: "<none>", Tag: "<none>", HistoryList: img.History,
		History: strings.Join(img.History, ", ")}
	if len(img.Names) == 0 || one {
		return []imageRow{base}
	}
	rows := make([]imageRow, len(img.Names))
	for i, n := range img.Names {
		rows[i] = base
		rows[i].Name, rows[i].Tag = catalog.SplitTag(n)
	}
	return rows
}

var imageFilterWords = filterWords{
	malformed: `invalid image filter %q: must be in the format "filter=value or filter!=value"`,
	unknown:   "unsupported image filter %q",
}

// imageFilters makes the predicates of images --filter: the keys of
// buildah 1.28 (libimage) that scripts use.
type imageFilters struct {
	cat catalog.Reader
	env Env
}

func (f imageFilters) byKey(k, v string) (func(catalog.Summary) bool, error) {
	switch k {
	case "label", "label!":
		return func(s catalog.Summary) bool { return hasLabel(f.labels(s.ID), v) == (k == "label") }, nil
	case "since", "after", "before":
		ref, err := f.find(v)
		if err != nil {
			return nil, verbatimError{fmt.Errorf("could not find local image for filter filter %q=%q: %w", k, v, err)}
		}
		if k == "before" {
			return func(s catalog.Summary) bool { return s.Created.Before(ref.Created) }, nil
		}
		return func(s catalog.Summary) bool { return s.Created.After(ref.Created) }, nil
	case "id":
		return func(s catalog.Summary) bool { return strings.HasPrefix(s.ID, strings.TrimPrefix(v, "sha256:")) }, nil
	case "digest":
		return func(s catalog.Summary) bool { return s.Digest == v }, nil
	}
	return imageFilter(k, v)
}

// labels are an image's config labels; nil when its config cannot be read.
func (f imageFilters) labels(id string) map[string]string {
	raw, err := f.cat.ImageBigData(id, "sha256:"+id)
	if err != nil {
		return nil
	}
	var cfg struct {
		Config struct{ Labels map[string]string } `json:"config"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return nil
	}
	return cfg.Config.Labels
}

// hasLabel is buildah's label filter: KEY matches a label of any value,
// KEY=VALUE that value (VALUE may be empty).
func hasLabel(labels map[string]string, filter string) bool {
	k, v, withValue := strings.Cut(filter, "=")
	got, ok := labels[k]
	return ok && (!withValue || got == v)
}

// find is the image a since/before filter names, as "images NAME" finds it.
func (f imageFilters) find(name string) (catalog.Summary, error) {
	list, _, err := listImages(f.env, name, true)
	if err != nil {
		return catalog.Summary{}, err
	}
	if len(list) == 0 {
		return catalog.Summary{}, fmt.Errorf("%s: %w", name, catalog.ErrImageNotFound)
	}
	return list[0], nil
}

// imageFilter is the predicate of an images --filter key that needs
// nothing but the list (reference, dangling, readonly).
func imageFilter(k, v string) (func(catalog.Summary) bool, error) {
	switch k {
	case "reference":
		return func(s catalog.Summary) bool {
			return slices.ContainsFunc(s.Names, func(n string) bool { return referenceMatches(n, v) })
		}, nil
	case "dangling":
		if v != "true" && v != "false" {
			return nil, errors.New("dangling takes true or false")
		}
		return func(s catalog.Summary) bool { return (len(s.Names) == 0) == (v == "true") }, nil
	case "readonly":
		return func(catalog.Summary) bool { return v == "false" }, nil
	}
	return nil, errUnknownFilter
}

// referenceMatches matches a stored name against a reference filter: the
// whole name, or its repository, with shell-style wildcards.
func referenceMatches(name, pattern string) bool {
	repo, _ := catalog.SplitTag(name)
	for _, candidate := range []string{name, repo, strings.TrimPrefix(repo, "localhost/")} {
		if ok, _ := pathMatch(pattern, candidate); ok {
			return true
		}
	}
	return false
}

// humanSize prints a byte count as buildah 1.28 does: three significant
// digits, decimal units, a space ("2.38 KB").
func humanSize(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	f, i := float64(n), 0
	for f >= 999.5 && i < len(units)-1 { // 999.6 would print as 1e+03
		f /= 1000
		i++
	}
	return strconv.FormatFloat(f, 'g', 3, 64) + " " + units[i]
}
