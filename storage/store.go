package storage

import (
	"fmt"

	cstorage "go.podman.io/storage"
)

// Options are the global storage and registry settings (buildah's global
// flags). The zero value means "use storage.conf and containers/image
// defaults".
type Options struct {
	Root, RunRoot      string
	Driver             string
	DriverOpts         []string
	RegistriesConf     string
	RegistriesConfDir  string
	ShortNameAliasConf string
	SignaturePolicy    string
}

// Open opens the store described by o, on top of storage.conf's defaults.
func (o Options) Open() (cstorage.Store, error) {
	so, err := cstorage.DefaultStoreOptions()
	if err != nil {
		return nil, fmt.Errorf("read storage configuration: %w", err)
	}
	if o.Root != "" {
		so.GraphRoot = o.Root
	}
	if o.RunRoot != "" {
		so.RunRoot = o.RunRoot
	}
	if o.Driver != "" && o.Driver != so.GraphDriverName {
		// Options written for storage.conf's driver would be rejected by another one.
		so.GraphDriverName, so.GraphDriverOptions = o.Driver, nil
	}
	if len(o.DriverOpts) > 0 {
		so.GraphDriverOptions = o.DriverOpts
	}
	if o.Driver == "" {
		so.GraphDriverName, so.GraphDriverOptions = rootlessDriver(so.GraphDriverName, so.GraphDriverOptions)
		so.GraphDriverName, so.GraphDriverOptions = stackableDriver(so.GraphRoot, so.GraphDriverName, so.GraphDriverOptions)
	}
	store, err := cstorage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("open storage at %s: %w", so.GraphRoot, err)
	}
	return store, nil
}
