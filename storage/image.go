package storage

import (
	"strings"

	"errors"
	"fmt"
	"slices"

	"github.com/hodbuild/hod/storage/catalog"
	"go.podman.io/image/v5/pkg/shortnames"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

// ErrImageNotFound is returned (wrapped) when no local image matches a name.
var ErrImageNotFound = catalog.ErrImageNotFound

// Lookup finds a local image by ID, ID prefix, or name as the user typed it,
// trying the "localhost/" and docker.io spellings a short name may be stored
// under.
func Lookup(store cstorage.Store, name string) (*cstorage.Image, error) {
	img, _, err := LookupNamed(store, name)
	return img, err
}

// LookupNamed is Lookup that also returns the name the image was found
// under: a pull of a short name that is stored goes to where that name
// points (buildah's "localhost/image" for "image").
func LookupNamed(store cstorage.Store, name string) (*cstorage.Image, string, error) {
	if rest, ok := strings.CutPrefix(name, "containers-storage:"); ok {
		// The store in use, named with its transport (rmi containers-storage:x).
		if rest, other, err := inThisStore(store, rest); err == nil && !other {
			name = rest
		}
	}
	for _, candidate := range Candidates(name) {
		img, err := store.Image(candidate)
		if err == nil {
			return img, candidate, nil
		}
		if !errors.Is(err, cstorage.ErrImageUnknown) {
			return nil, "", fmt.Errorf("look up image %q: %w", name, err)
		}
	}
	if img, found := byRepoTag(store, name); img != nil {
		return img, found, nil
	}
	return nil, "", fmt.Errorf("%s: %w", name, ErrImageNotFound)
}

// byRepoTag finds a short name (busybox, library/busybox:1) among the
// stored names of any registry, as buildah (libimage) does last: an image
// whose repository ends in "/" + the name's path and that has its tag.
func byRepoTag(store cstorage.Store, name string) (*cstorage.Image, string) {
	if !shortnames.IsShortName(name) {
		return nil, ""
	}
	ref, err := reference.Parse(name)
	named, ok := ref.(reference.Named)
	if err != nil || !ok {
		return nil, ""
	}
	tagged, ok := reference.TagNameOnly(named).(reference.NamedTagged)
	if !ok {
		return nil, ""
	}
	images, err := store.Images()
	if err != nil {
		return nil, ""
	}
	for i := range images {
		for _, n := range images[i].Names {
			stored, err := reference.ParseNormalizedNamed(n)
			if t, ok := stored.(reference.NamedTagged); err == nil && ok && t.Tag() == tagged.Tag() &&
				strings.HasSuffix(stored.Name(), "/"+tagged.Name()) {
				return &images[i], n
			}
		}
	}
	return nil, ""
}

func Candidates(name string) []string {
	names := []string{name}
	if id, ok := strings.CutPrefix(name, "sha256:"); ok {
		names = append(names, id) // an image ID as a digest
	}
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

// LayerChain is the layers from the base up to top (an image's TopLayer;
// "" is none).
func LayerChain(store cstorage.Store, top string) ([]*cstorage.Layer, error) {
	var chain []*cstorage.Layer
	for id := top; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("read layer %s: %w", id, err)
		}
		chain = append(chain, l)
		id = l.Parent
	}
	slices.Reverse(chain)
	return chain, nil
}
