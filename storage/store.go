package storage

import (
	"fmt"

	"github.com/hodbuild/hod/storage/storeconf"
	cstorage "go.podman.io/storage"
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
	store, err := cstorage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("open storage at %s: %w", so.GraphRoot, err)
	}
	return store, nil
}
