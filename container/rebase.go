package container

import (
	"fmt"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Rebase moves the container onto image, a checkpoint of itself: a new
// storage container on that image takes over the name and the state, and
// the old one (whose changes the image now holds) goes. rootFS and history
// are the image's.
func (c *Container) Rebase(imageID string, rootFS ispec.RootFS, history []ispec.History) (err error) {
	sc, err := c.store.CreateContainer("", nil, imageID, "", marker, nil)
	if err != nil {
		return fmt.Errorf("rebase %s: %w", c.Name, err)
	}
	defer func() {
		if err != nil {
			_ = c.store.DeleteContainer(sc.ID)
		}
	}()
	next := *c
	next.ID, next.BaseImageID = sc.ID, imageID
	next.Config.RootFS, next.History, next.Pending = rootFS, history, nil
	next.CreatedBy, next.HistoryComment = "", ""
	if err := next.save(); err != nil {
		return err
	}
	if err := c.Delete(); err != nil {
		return err
	}
	if err := c.store.SetNames(sc.ID, []string{c.Name}); err != nil {
		return fmt.Errorf("rebase %s: %w", c.Name, err)
	}
	*c = next
	return nil
}
