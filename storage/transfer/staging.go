package transfer

import (
	"fmt"

	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storeconf"
	"go.podman.io/image/v5/types"
)

// newStaging makes a directory of this process's own for a copy's big
// files (containers/image's staged layers) and returns what points a
// system context there, and the release that removes it. What killed
// copies left there went when the store was opened (lease.Reap).
func newStaging(graphRoot string) (func(*types.SystemContext) *types.SystemContext, func(), error) {
	dir, err := lease.Staging.Take(storeconf.StagingDir(graphRoot), "")
	if err != nil {
		return nil, nil, fmt.Errorf("staging directory: %w", err)
	}
	point := func(sys *types.SystemContext) *types.SystemContext {
		staged := types.SystemContext{}
		if sys != nil {
			staged = *sys
		}
		staged.BigFilesTemporaryDir = dir.Path
		return &staged
	}
	return point, func() { _ = dir.Release() }, nil
}
