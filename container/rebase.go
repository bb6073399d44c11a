package container

import (
	"cmp"
	"context"
	"fmt"

	"github.com/hodbuild/hod/container/state"

	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/storage"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/stringid"
)

// Rebase moves the container onto image, a checkpoint of itself: a new
// storage container on that image takes over the name and the state, and
// the old one (whose changes the image now holds) goes. rootFS and history
// are the image's.
//
// j notes the new storage container and its layer first: if hod is killed
// halfway, the next hod finishes the move or undoes it (lease.Reap with storage.ReapWrites),
// so the container's name always names one of them.
func (c *Container) Rebase(j *storage.Journal, imageID string, rootFS ispec.RootFS, history []ispec.History) (err error) {
	id := stringid.GenerateRandomID()
	if err := j.Container(id, c.Name); err != nil {
		return err
	}
	sc, err := j.CreateContainer(c.store, id, nil, imageID, state.Marker, storageOptions(c.IDMap))
	if err != nil {
		return fmt.Errorf("rebase %s: %w", c.Name, err)
	}
	defer func() {
		if err != nil {
			_ = c.store.DeleteContainer(sc.ID)
		}
	}()
	next := *c
	next.ID, next.BaseImageID, next.MountKey = sc.ID, imageID, cmp.Or(c.MountKey, c.ID)
	next.Config.RootFS, next.History, next.Pending = rootFS, history, nil
	next.CreatedBy, next.HistoryComment = "", ""
	if err := next.save(); err != nil {
		return err
	}
	if err := c.moveStableMount(&next); err != nil {
		return fmt.Errorf("rebase %s: %w", c.Name, err)
	}
	failpoint.Hit("rebase-before-delete")
	if err := c.store.DeleteContainer(c.ID); err != nil {
		return fmt.Errorf("rebase %s: %w", c.Name, err)
	}
	failpoint.Hit("rebase-after-delete")
	if err := c.store.SetNames(sc.ID, []string{c.Name}); err != nil {
		return fmt.Errorf("rebase %s: %w", c.Name, err)
	}
	*c = next
	return nil
}

// RebaseOnImage moves the container onto imageID and takes that image's
// configuration and history: a build step whose result was found in the
// cache instead of being made again.
func (c *Container) RebaseOnImage(ctx context.Context, sys *types.SystemContext, imageID string) error {
	var st state.State
	if _, err := inherit(ctx, &st, c.store, sys, imageID); err != nil {
		return err
	}
	c.Config, c.Docker = st.Config, st.Docker
	j, err := storage.BeginWrite(c.store)
	if err != nil {
		return err
	}
	defer j.Done()
	return c.Rebase(j, imageID, st.Config.RootFS, st.History)
}
