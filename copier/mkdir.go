package copier

import (
	"errors"
	"fmt"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
)

// EnsureDir makes dir (absolute in the container) and its missing parents
// in the container's rootfs, the directories it creates owned by user
// ("" or a user the rootfs does not know is root, as buildah's
// EnsureContainerPathAs decides). Existing directories are left alone.
// A build does this for its working directory at each step, as buildah
// does, so "WORKDIR /d" then "COPY f /d" puts f in a directory.
func EnsureDir(c *container.Container, dir, user string) error {
	root, err := c.Mount()
	if err != nil {
		return err
	}
	defer c.Unmount(false) //nolint:errcheck // a failed unmount leaves a mount, not a wrong image
	var owner container.Owner
	if user != "" {
		if o, err := container.LookupOwner(root, user); err == nil {
			owner = o
		}
	}
	hostOwner, err := c.IDMap.ToHost(owner)
	if err != nil {
		return err
	}
	inRoot, err := mount.InRoot(root, dir)
	if err != nil {
		return err
	}
	if _, err := makeDestDir(root, inRoot, &hostOwner, true); err != nil {
		return fmt.Errorf("create working directory %s in container %s: %w", dir, c.Name, inContainerTerms(root, err))
	}
	return nil
}

// CheckPaths resolves paths (absolute in the container) in its rootfs and
// fails on a symbolic link loop, in buildah's words: a VOLUME under such a
// path can never be made. buildah finds out only when the VOLUME is the
// last instruction; hod at the instruction, wherever it is.
func CheckPaths(c *container.Container, paths []string) error {
	root, err := c.Mount()
	if err != nil {
		return err
	}
	defer c.Unmount(false) //nolint:errcheck // a failed unmount leaves a mount, not a wrong image
	for _, p := range paths {
		if _, err := securejoin.SecureJoin(root, p); errors.Is(err, syscall.ELOOP) {
			return fmt.Errorf("evaluating path %q: copier: eval: error resolving %q: open %s: %w", p, p, p, syscall.ELOOP)
		}
	}
	return nil
}
