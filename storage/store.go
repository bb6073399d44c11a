package storage

import (
	"fmt"

	"github.com/hodbuild/hod/storage/storeconf"
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
	so, err := storeconf.Resolve(o.Root, o.RunRoot, o.Driver, o.DriverOpts)
	if err != nil {
		return nil, err
	}
	store, err := cstorage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("open storage at %s: %w", so.GraphRoot, err)
	}
	return store, nil
}
