package storage

import (
	"errors"
	"fmt"
	"slices"

	cstorage "go.podman.io/storage"
)

// ErrImageInUse is returned (wrapped) when removing an image that
// containers still use, without force.
var ErrImageInUse = errors.New("image is in use by a container")

// Remove removes the image called name. When name is one of several names of
// the image, only that name goes ("untagged"); otherwise the image and the
// layers nothing else uses go. With force, containers using it go too.
// It returns a line describing what was done, as buildah prints it.
func Remove(store cstorage.Store, name string, force bool) ([]string, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return nil, err
	}
	if tag := namedAs(img, name); tag != "" && len(img.Names) > 1 {
		if err := store.RemoveNames(img.ID, []string{tag}); err != nil {
			return nil, fmt.Errorf("untag %s: %w", tag, err)
		}
		return []string{"untagged: " + tag}, nil
	}
	if err := removeUsers(store, img.ID, force); err != nil {
		return nil, fmt.Errorf("remove image %q: %w", name, err)
	}
	if _, err := store.DeleteImage(img.ID, true); err != nil {
		return nil, fmt.Errorf("remove image %q: %w", name, err)
	}
	var lines []string
	for _, n := range img.Names {
		lines = append(lines, "untagged: "+n)
	}
	return append(lines, img.ID), nil
}

func namedAs(img *cstorage.Image, name string) string {
	for _, c := range Candidates(name) {
		if slices.Contains(img.Names, c) {
			return c
		}
	}
	return ""
}

func removeUsers(store cstorage.Store, imageID string, force bool) error {
	containers, err := store.Containers()
	if err != nil {
		return err
	}
	for _, c := range containers {
		if c.ImageID != imageID {
			continue
		}
		if !force {
			return fmt.Errorf("container %s: %w (use --force)", c.Names, ErrImageInUse)
		}
		if err := store.DeleteContainer(c.ID); err != nil {
			return fmt.Errorf("remove container %s: %w", c.ID, err)
		}
	}
	return nil
}

// Removable returns the IDs "rmi --all" (all) or "rmi --prune" removes:
// every image, or the unnamed ones no container uses.
func Removable(store cstorage.Store, all bool) ([]string, error) {
	images, err := store.Images()
	if err != nil {
		return nil, err
	}
	containers, err := store.Containers()
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, c := range containers {
		used[c.ImageID] = true
	}
	var ids []string
	for _, img := range images {
		if all || len(img.Names) == 0 && !used[img.ID] {
			ids = append(ids, img.ID)
		}
	}
	return ids, nil
}
