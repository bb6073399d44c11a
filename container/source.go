package container

import (
	"context"
	"errors"

	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/transfer"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// MountSource mounts the root filesystem of a working container or, if no
// container has that name, of an image (pulled as pull says), for copying
// from it. release undoes the mount.
func MountSource(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, pull transfer.PullOptions) (root string, release func(), err error) {
	c, err := Open(store, name)
	if err == nil {
		root, err := c.Mount()
		return root, func() { _ = c.Unmount(false) }, err
	}
	if !errors.Is(err, ErrNotFound) {
		return "", nil, err
	}
	img, err := transfer.Pull(ctx, store, sys, name, pull)
	if err != nil {
		return "", nil, err
	}
	return storage.MountImage(store, img.ID)
}
