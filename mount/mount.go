package mount

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// Mount mounts the container's root filesystem and returns its host path.
func Mount(store cstorage.Store, containerID string) (string, error) {
	path, err := store.Mount(containerID, "")
	if err != nil {
		return "", fmt.Errorf("mount container %s: %w", containerID, err)
	}
	return path, nil
}

// Unmount drops one reference to the container's mount; force drops all.
func Unmount(store cstorage.Store, containerID string, force bool) error {
	if _, err := store.Unmount(containerID, force); err != nil {
		return fmt.Errorf("unmount container %s: %w", containerID, err)
	}
	return nil
}

// Point returns where the container is mounted, or "" if it is not.
func Point(store cstorage.Store, containerID string) (string, error) {
	sc, err := store.Container(containerID)
	if err != nil {
		return "", fmt.Errorf("open container %s: %w", containerID, err)
	}
	n, err := store.Mounted(sc.LayerID)
	if err != nil || n == 0 {
		return "", err
	}
	layer, err := store.Layer(sc.LayerID)
	if err != nil {
		return "", err
	}
	return layer.MountPoint, nil
}

// Bind binds path at dir (made if missing), unless dir is a mount point
// already: the stable path of a working container's root filesystem.
func Bind(path, dir string) error {
	if IsMountPoint(dir) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := unix.Mount(path, dir, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %w", path, dir, err)
	}
	return nil
}

// Rebind points dir at path instead of what it showed before.
func Rebind(path, dir string) error {
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("release %s: %w", dir, err)
	}
	return Bind(path, dir)
}

// Release unmounts dir and removes it.
func Release(dir string) error {
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("release %s: %w", dir, err)
	}
	if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// IsMountPoint reports whether something is mounted at dir.
func IsMountPoint(dir string) bool {
	var st, parent unix.Stat_t
	if unix.Lstat(dir, &st) != nil || unix.Lstat(filepath.Dir(dir), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev || st.Ino == parent.Ino
}
