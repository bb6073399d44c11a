package cmd

import (
	"errors"
	"fmt"
	"github.com/hodbuild/hod/cmd/short"
	"io"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	cstorage "go.podman.io/storage"
)

var errNameOrAll = errors.New("name at least one container, or use --all")

// selectContainers opens the named containers, or all of them with all.
func selectContainers(g *globals, names []string, all bool) ([]*container.Container, error) {
	if all == (len(names) > 0) {
		return nil, errNameOrAll
	}
	store, err := g.Store()
	if err != nil {
		return nil, err
	}
	if all {
		return container.List(store)
	}
	list := make([]*container.Container, 0, len(names))
	for _, name := range names {
		c, err := container.Open(store, name)
		if err != nil {
			return nil, err
		}
		list = append(list, c)
	}
	return list, nil
}

// mountRow is one mounted container, with buildah's mount --json keys.
type mountRow struct {
	Container  string `json:"container"`
	MountPoint string `json:"mountPoint"`
}

func listMounts(store cstorage.Store, out io.Writer, asJSON bool) error {
	list, err := container.List(store)
	if err != nil {
		return err
	}
	rows := []mountRow{}
	for _, c := range list {
		path, err := c.MountPoint()
		if err != nil {
			return err
		}
		if path != "" && mount.IsMountPoint(c.StablePath()) {
			path = c.StablePath()
		}
		if path != "" {
			rows = append(rows, mountRow{c.Name, path})
		}
	}
	if asJSON {
		return short.PrintJSON(out, rows)
	}
	for _, r := range rows {
		fmt.Fprintln(out, r.Container, r.MountPoint)
	}
	return nil
}
