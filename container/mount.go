package container

import (
	"cmp"
	"os"
	"path/filepath"

	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/storage/storeconf"
	"go.podman.io/storage/pkg/unshare"
)

// Mount mounts the root filesystem and returns its host path.
func (c *Container) Mount() (string, error) { return mount.Mount(c.store, c.ID) }

// Unmount drops one reference to the mount; force unmounts completely.
func (c *Container) Unmount(force bool) error { return mount.Unmount(c.store, c.ID, force) }

// MountPoint returns the host path of the mounted root filesystem, or "".
func (c *Container) MountPoint() (string, error) { return mount.Point(c.store, c.ID) }

// StablePath is where "hod mount" shows the root filesystem: a directory
// under the run root bound to it, which stays the container's path when
// "commit --layer" moves the container onto a new storage container.
func (c *Container) StablePath() string {
	return filepath.Join(storeconf.MountsDir(c.store.RunRoot()), cmp.Or(c.MountKey, c.ID))
}

// MountStable mounts the root filesystem and returns its stable path.
func (c *Container) MountStable() (string, error) {
	path, err := c.Mount()
	if err != nil {
		return "", err
	}
	if err := mount.Bind(path, c.StablePath()); err != nil {
		_ = c.Unmount(false)
		return "", err
	}
	writableRoot(path)
	return c.StablePath(), nil
}

// UnmountStable drops a mount reference; once none is left (or with
// force) the stable path goes too.
func (c *Container) UnmountStable(force bool) error {
	if err := c.Unmount(force); err != nil {
		return err
	}
	if p, err := c.MountPoint(); err == nil && p == "" {
		return mount.Release(c.StablePath())
	}
	return nil
}

// moveStableMount points the stable path at next's root filesystem when
// the user has it mounted: scripts keep their $mnt across checkpoints.
func (c *Container) moveStableMount(next *Container) error {
	if !mount.IsMountPoint(c.StablePath()) {
		return nil
	}
	path, err := next.Mount()
	if err != nil {
		return err
	}
	writableRoot(path)
	return mount.Rebind(path, next.StablePath())
}

// writableRoot lets a rootless script write into the root directory: it
// writes as the files' owner from outside the user namespace, without
// root's override, and the storage driver makes the directory 0555.
func writableRoot(path string) {
	if !unshare.IsRootless() {
		return
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o200 == 0 {
		_ = os.Chmod(path, fi.Mode().Perm()|0o200)
	}
}
