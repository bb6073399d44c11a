package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/hodbuild/hod/cmd/short"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	cstorage "go.podman.io/storage"
)

// nameOrAll checks that a command has names or --all, not both, in
// buildah's words: none without names, both with names and --all.
func nameOrAll(names []string, all bool, none, both string) error {
	switch {
	case all && len(names) > 0:
		return errors.New(both)
	case !all && len(names) == 0:
		return errors.New(none)
	}
	return nil
}

// eachContainer runs act on each named container, or on all of them with
// all, as buildah's mount, umount and rm do: a failure is printed and the
// others go on, and the last failure is the command's error. notFound, if
// set, words the error for a name no container has.
func eachContainer(g *globals, stderr io.Writer, names []string, all bool, notFound func(name string) error, act func(*container.Container) error) error {
	store, err := g.Store()
	if err != nil {
		return err
	}
	if all {
		list, err := container.List(store)
		if err != nil {
			return err
		}
		for _, c := range list {
			names = append(names, c.ID)
		}
	}
	var last error
	for _, name := range names {
		c, err := container.Open(store, name)
		if notFound != nil && errors.Is(err, container.ErrNotFound) {
			err = notFound(name)
		}
		if err == nil {
			err = act(c)
		}
		if err != nil {
			if last != nil {
				fmt.Fprintln(stderr, last)
			}
			last = err
		}
	}
	return last
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
