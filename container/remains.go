package container

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hodbuild/hod/container/state"
	cstorage "go.podman.io/storage"
)

// RemoveRemains removes the remains of containers among names (all the
// store's, with all) and returns the IDs it removed and the names that are
// not remains. Remains are hod's containers whose state is gone:
// containers/storage removes a container's layer and directory before its
// record, so a rm killed in between leaves a record nothing can open
// (buildah's rm fails on it too).
func RemoveRemains(store cstorage.Store, names []string, all bool) (removed, rest []string, err error) {
	var remains []cstorage.Container
	if all {
		list, err := store.Containers()
		if err != nil {
			return nil, nil, err
		}
		for _, sc := range list {
			if isRemains(store, &sc) {
				remains = append(remains, sc)
			}
		}
	}
	for _, name := range names {
		if sc, err := store.Container(name); err == nil && isRemains(store, sc) {
			remains = append(remains, *sc)
		} else {
			rest = append(rest, name)
		}
	}
	for _, sc := range remains {
		err := store.DeleteContainer(sc.ID)
		if errors.Is(err, cstorage.ErrNotAContainer) {
			continue // named twice
		}
		if err != nil {
			return removed, nil, fmt.Errorf("remove container %s: %w", sc.ID, err)
		}
		removed = append(removed, sc.ID)
	}
	return removed, rest, nil
}

func isRemains(store cstorage.Store, sc *cstorage.Container) bool {
	if sc.Metadata != state.Marker {
		return false
	}
	_, err := os.Stat(filepath.Join(dir(store, sc.ID), state.File))
	return errors.Is(err, fs.ErrNotExist)
}
