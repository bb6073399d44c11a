package storeconf

import (
	"fmt"

	stypes "go.podman.io/storage/types"
)

// Resolve is the store hod opens: storage.conf's defaults with the global
// flags (--root, --runroot, --storage-driver, --storage-opt) over them,
// and the driver hod picks when the user chose none.
func Resolve(o Options) (stypes.StoreOptions, error) {
	so, err := stypes.DefaultStoreOptions()
	if err != nil {
		return so, fmt.Errorf("read storage configuration: %w", err)
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
	return so, nil
}
