package storage

import (
	"fmt"
	"path/filepath"

	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/moby/sys/mountinfo"
	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// Options are the global storage and registry settings (buildah's global
// flags); storeconf declares them, as the front binary parses them too.
type Options = storeconf.Options

// Open opens the store described by o, on top of storage.conf's defaults.
func Open(o Options) (cstorage.Store, error) {
	so, err := storeconf.Resolve(o)
	if err != nil {
		return nil, err
	}
	before := driverHomeMounts(so.GraphRoot)
	store, err := cstorage.GetStore(so)
	if err != nil {
		undoHomeMounts(so.GraphRoot, before)
		return nil, fmt.Errorf("open storage at %s: %w", so.GraphRoot, err)
	}
	return store, nil
}

// driverHomeMounts lists the mount points directly under root: a graph
// driver such as overlay bind-mounts its home (root/overlay) on itself when
// it starts.
func driverHomeMounts(root string) map[string]bool {
	homes := map[string]bool{}
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(root))
	if err != nil {
		return homes
	}
	for _, m := range mounts {
		if filepath.Dir(m.Mountpoint) == filepath.Clean(root) {
			homes[m.Mountpoint] = true
		}
	}
	return homes
}

// undoHomeMounts unmounts the driver homes that a failed open mounted:
// containers/storage starts the driver before it reads its records and
// does not stop it when they fail to load (a corrupt containers.json), so
// the bind mount would stay behind. A plain unmount, not a lazy one: it
// fails (EBUSY) rather than pull the home from under another process that
// has mounted a layer inside it meanwhile.
func undoHomeMounts(root string, before map[string]bool) {
	for home := range driverHomeMounts(root) {
		if !before[home] {
			// An error (EBUSY: in use by another process now) leaves
			// the mount to whoever uses it.
			_ = unix.Unmount(home, 0)
		}
	}
}
