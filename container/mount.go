package container

import "github.com/hodbuild/hod/mount"

// Mount mounts the root filesystem and returns its host path.
func (c *Container) Mount() (string, error) { return mount.Mount(c.store, c.ID) }

// Unmount drops one reference to the mount; force unmounts completely.
func (c *Container) Unmount(force bool) error { return mount.Unmount(c.store, c.ID, force) }

// MountPoint returns the host path of the mounted root filesystem, or "".
func (c *Container) MountPoint() (string, error) { return mount.Point(c.store, c.ID) }
