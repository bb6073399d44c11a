package cmd

import (
	"time"

	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
)

// imageRow is one line of "hod images": one per name, as buildah prints.
type imageRow struct {
	ID        string    `json:"id"`
	Name      string    `json:"-"`
	Tag       string    `json:"-"`
	Names     []string  `json:"names"`
	Digest    string    `json:"digest"`
	CreatedAt time.Time `json:"createdat"`
	Created   string    `json:"-"`
	Size      string    `json:"-"`
	Bytes     int64     `json:"size"`
}

// NewImages returns "hod images".
func NewImages(g *globals) *cobra.Command {
	var (
		l            listFlags
		all, digests bool
	)
	cmd := &cobra.Command{
		Use:   "images [flags] [IMAGE]",
		Short: "List images in local storage",
		Example: `  hod images
  hod images --digests localhost/app
  hod images --format '{{.Name}}:{{.Tag}} {{.ID}}'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			filter := ""
			if len(args) > 0 {
				filter = args[0]
			}
			list, err := storage.List(store, filter, all)
			if err != nil {
				return err
			}
			var rows []imageRow
			for _, img := range list {
				rows = append(rows, imageRows(img, l.json)...)
			}
			header, row := "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE", "{{.Name}}\t{{.Tag}}\t{{trunc .ID}}\t{{.Created}}\t{{.Size}}"
			if digests {
				header, row = "REPOSITORY\tTAG\tDIGEST\tIMAGE ID\tCREATED\tSIZE", "{{.Name}}\t{{.Tag}}\t{{.Digest}}\t{{trunc .ID}}\t{{.Created}}\t{{.Size}}"
			}
			return printRows(cmd.OutOrStdout(), rows, l, header, row, "{{trunc .ID}}")
		},
	}
	addListFlags(cmd, &l)
	cmd.Flags().BoolVarP(&all, "all", "a", false, "also list intermediate (unnamed parent) images")
	cmd.Flags().BoolVar(&digests, "digests", false, "show manifest digests")
	return cmd
}

func imageRows(img storage.Summary, one bool) []imageRow {
	base := imageRow{ID: img.ID, Names: img.Names, Digest: img.Digest, CreatedAt: img.Created,
		Created: img.Created.Local().Format("Jan 2, 2006 15:04"), Size: humanSize(img.Size), Bytes: img.Size,
		Name: "<none>", Tag: "<none>"}
	if len(img.Names) == 0 || one {
		return []imageRow{base}
	}
	rows := make([]imageRow, len(img.Names))
	for i, n := range img.Names {
		rows[i] = base
		rows[i].Name, rows[i].Tag = storage.SplitTag(n)
	}
	return rows
}
