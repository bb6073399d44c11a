package storeconf

import (
	"fmt"

	stypes "go.podman.io/storage/types"
)

// Resolve is the store hod opens: storage.conf's defaults with the global
// flags (--root, --runroot, --storage-driver, --storage-opt) over them,
// and the driver hod picks when the user chose none.
func Resolve(root, runRoot, driver string, driverOpts []string) (stypes.StoreOptions, error) {
	so, err := stypes.DefaultStoreOptions()
	if err != nil {
		return so, fmt.Errorf("read storage configuration: %w", err)
	}
	if root != "" {
		so.GraphRoot = root
	}
	if runRoot != "" {
		so.RunRoot = runRoot
	}
	if driver != "" && driver != so.GraphDriverName {
		// Options written for storage.conf's driver would be rejected by another one.
		so.GraphDriverName, so.GraphDriverOptions = driver, nil
	}
	if len(driverOpts) > 0 {
		so.GraphDriverOptions = driverOpts
	}
	if driver == "" {
		so.GraphDriverName, so.GraphDriverOptions = rootlessDriver(so.GraphDriverName, so.GraphDriverOptions)
		so.GraphDriverName, so.GraphDriverOptions = stackableDriver(so.GraphRoot, so.GraphDriverName, so.GraphDriverOptions)
	}
	return so, nil
}
