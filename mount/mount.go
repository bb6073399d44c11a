package mount

import (
	"fmt"

	cstorage "go.podman.io/storage"
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
