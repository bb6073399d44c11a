package cmd

import (
	"github.com/hodbuild/hod/container"
	"github.com/spf13/cobra"
	cstorage "go.podman.io/storage"
)

// containerRow is one line of "hod containers", named as buildah names it.
type containerRow struct {
	ContainerID   string `json:"id"`
	Builder       bool   `json:"builder"`
	ImageID       string `json:"imageid"`
	ImageName     string `json:"imagename"`
	ContainerName string `json:"containername"`
}

// NewContainers returns "hod containers".
func NewContainers(g *globals) *cobra.Command {
	var (
		l   listFlags
		all bool
	)
	cmd := &cobra.Command{
		Use:     "containers [flags]",
		Aliases: []string{"ps", "ls"},
		Short:   "List working containers",
		Example: `  hod containers
  hod containers --all --json
  hod containers --format '{{.ContainerName}} {{.ImageName}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			rows, err := containerRows(store, all)
			if err != nil {
				return err
			}
			return printRows(cmd.OutOrStdout(), rows, l,
				"CONTAINER ID\tBUILDER\tIMAGE ID\tIMAGE NAME\tCONTAINER NAME",
				"{{trunc .ContainerID}}\t{{if .Builder}}*{{end}}\t{{trunc .ImageID}}\t{{.ImageName}}\t{{.ContainerName}}",
				"{{trunc .ContainerID}}")
		},
	}
	addListFlags(cmd, &l)
	cmd.Flags().BoolVarP(&all, "all", "a", false, "also list containers of other tools (podman, buildah)")
	return cmd
}

func containerRows(store cstorage.Store, all bool) ([]containerRow, error) {
	ours, err := container.List(store)
	if err != nil {
		return nil, err
	}
	rows := make([]containerRow, 0, len(ours))
	mine := map[string]bool{}
	for _, c := range ours {
		mine[c.ID] = true
		rows = append(rows, containerRow{c.ID, true, c.FromImageID, c.FromImage, c.Name})
	}
	if !all {
		return rows, nil
	}
	others, err := store.Containers()
	if err != nil {
		return nil, err
	}
	for _, c := range others {
		if !mine[c.ID] {
			name := ""
			if len(c.Names) > 0 {
				name = c.Names[0]
			}
			rows = append(rows, containerRow{c.ID, false, c.ImageID, "", name})
		}
	}
	return rows, nil
}
