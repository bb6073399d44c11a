package short

import (
	"cmp"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/hodbuild/hod/storage/catalog"
	"github.com/spf13/cobra"
)

// containerRow is one line of "hod containers", with buildah's --json
// keys and template fields (Builder is "*" for a working container).
type containerRow struct {
	ContainerID   string `json:"id"`
	IsBuilder     bool   `json:"builder"`
	ImageID       string `json:"imageid"`
	ImageName     string `json:"imagename"`
	ContainerName string `json:"containername"`
	Builder       string `json:"-"`
}

// NewContainers returns "hod containers".
func NewContainers(env Env) *cobra.Command {
	var (
		l            listFlags
		all, noTrunc bool
		filters      []string
	)
	cmd := &cobra.Command{
		Use:     "containers [flags]",
		Aliases: []string{"ps", "ls"},
		Short:   "List working containers",
		Example: `  hod containers
  hod containers --all --json
  hod containers --filter name=app -q
  hod containers --format '{{.ContainerName}} {{.ImageName}}'`,
		Args: atMost(0, "'%s' does not accept arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			keep, err := parseFilters(filters, containerFilterWords, containerFilter)
			if err != nil {
				return err
			}
			rows, err := containerRows(env, all, keep)
			if err != nil {
				return err
			}
			if l.json || l.quiet || l.format != "" {
				return printRows(cmd.OutOrStdout(), rows, l, table{quiet: "{{.ContainerID}}"})
			}
			return printContainerTable(cmd.OutOrStdout(), rows, l.noHeading, noTrunc)
		},
	}
	addListFlags(cmd, &l)
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "also list containers of other tools (podman, buildah)")
	f.BoolVar(&noTrunc, "notruncate", false, "do not truncate IDs")
	f.StringArrayVarP(&filters, "filter", "f", nil, "keep containers matching KEY=VALUE: id, name, ancestor (repeatable)")
	return cmd
}

// printContainerTable prints buildah's fixed-width table.
func printContainerTable(out io.Writer, rows []containerRow, noHeading, noTrunc bool) error {
	head, line := "%-12s  %-8s %-12s %-32s %s\n", "%-12.12s     %-1s     %-12.12s %-32s %s\n"
	if noTrunc {
		head, line = "%-64s %-8s %-64s %-32s %s\n", "%-64s    %-1s     %-64s %-32s %s\n"
	}
	if !noHeading {
		fmt.Fprintf(out, head, "CONTAINER ID", "BUILDER", "IMAGE ID", "IMAGE NAME", "CONTAINER NAME")
	}
	for _, r := range rows {
		fmt.Fprintf(out, line, r.ContainerID, r.Builder, r.ImageID, r.ImageName, r.ContainerName)
	}
	return nil
}

func containerRows(env Env, all bool, keep func(containerRow) bool) ([]containerRow, error) {
	cat, err := env.Catalog()
	if err != nil {
		return nil, err
	}
	ours, others, err := catalog.WorkingContainers(cat)
	if err != nil {
		return nil, err
	}
	images, err := cat.Images()
	if err != nil {
		return nil, err
	}
	firstName := map[string]string{}
	for _, img := range images {
		if len(img.Names) > 0 {
			firstName[img.ID] = img.Names[0]
		}
	}
	var rows []containerRow
	add := func(r containerRow) {
		if keep(r) {
			rows = append(rows, r)
		}
	}
	for _, c := range ours {
		add(containerRow{c.ID, true, c.FromImageID, cmp.Or(firstName[c.FromImageID], c.FromImage), c.Name, "*"})
	}
	if !all {
		return rows, nil
	}
	for _, c := range others {
		name := ""
		if len(c.Names) > 0 {
			name = c.Names[0]
		}
		add(containerRow{c.ID, false, c.ImageID, "", name, " "})
	}
	return rows, nil
}

var containerFilterWords = filterWords{
	malformed: "parsing filter: incorrect filter value %q, should be of form filter=value",
	unknown:   "parsing filter: invalid filter %q",
}

// containerFilter is the predicate of one containers --filter key (id,
// name, ancestor).
func containerFilter(k, v string) (func(containerRow) bool, error) {
	switch k {
	case "id":
		return func(r containerRow) bool { return strings.HasPrefix(r.ContainerID, v) }, nil
	case "name":
		return func(r containerRow) bool {
			ok, _ := path.Match(v, r.ContainerName)
			return ok || strings.Contains(r.ContainerName, v)
		}, nil
	case "ancestor":
		return func(r containerRow) bool { return strings.HasPrefix(r.ImageID, v) || referenceMatches(r.ImageName, v) }, nil
	}
	return nil, errUnknownFilter
}
