package storage

import (
	"errors"
	"fmt"
	"github.com/hodbuild/hod/storage/catalog"
	"slices"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

// ErrImageNotFound is returned (wrapped) when no local image matches a name.
var ErrImageNotFound = catalog.ErrImageNotFound

// Lookup finds a local image by ID, ID prefix, or name as the user typed it,
// trying the "localhost/" and docker.io spellings a short name may be stored
// under.
func Lookup(store cstorage.Store, name string) (*cstorage.Image, error) {
	for _, candidate := range Candidates(name) {
		img, err := store.Image(candidate)
		if err == nil {
			return img, nil
		}
		if !errors.Is(err, cstorage.ErrImageUnknown) {
			return nil, fmt.Errorf("look up image %q: %w", name, err)
		}
	}
	return nil, fmt.Errorf("%s: %w", name, ErrImageNotFound)
}

func Candidates(name string) []string {
	names := []string{name}
	if local, err := NormalizeName(name); err == nil {
		names = append(names, local)
	}
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		names = append(names, reference.TagNameOnly(named).String())
	}
	return names
}

// Tag adds names to the image called name.
func Tag(store cstorage.Store, name string, tags ...string) error {
	img, err := Lookup(store, name)
	if err != nil {
		return err
	}
	normalized := make([]string, 0, len(tags))
	for _, t := range tags {
		n, err := NormalizeName(t)
		if err != nil {
			return err
		}
		normalized = append(normalized, n)
	}
	// New names go last, as buildah orders them (AddNames puts them first).
	names := slices.Clone(img.Names)
	for _, n := range normalized {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if err := store.SetNames(img.ID, names); err != nil {
		return fmt.Errorf("tag image %s: %w", img.ID, err)
	}
	return nil
}

// MountImage mounts image id's root filesystem read-only for reading;
// release undoes the mount. Mounts are reference-counted by the store, so
// any number of readers may hold one image at once.
func MountImage(store cstorage.Store, id string) (root string, release func(), err error) {
	root, err = store.MountImage(id, nil, "")
	if err != nil {
		return "", nil, fmt.Errorf("mount image %s: %w", id, err)
	}
	return root, func() { _, _ = store.UnmountImage(id, false) }, nil
}
