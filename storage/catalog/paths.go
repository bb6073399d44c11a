package catalog

import "path/filepath"

// ContainerDir is a storage container's directory, where containers/storage
// keeps its big data and hod its state.
func ContainerDir(graphRoot, driver, id string) string {
	return filepath.Join(graphRoot, driver+"-containers", id)
}
