package storage

import (
	"fmt"
	"path/filepath"
	"strings"

	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// HasTransport reports whether name starts with a containers/image transport
// such as "oci:" or "docker://".
func HasTransport(name string) bool {
	prefix, rest, ok := strings.Cut(name, ":")
	if !ok || transports.Get(prefix) == nil {
		return false
	}
	// "docker:latest" is the image "docker" tagged latest, as buildah
	// (libimage) reads it: the docker transport always has "//".
	return prefix != "docker" || strings.HasPrefix(rest, "//")
}

// ParseReference parses name as an image reference: "transport:..." names
// through containers/image, anything else as an image in local storage.
// Local storage references are bound to store so they never open a second one.
func ParseReference(store cstorage.Store, name string) (types.ImageReference, error) {
	if !HasTransport(name) {
		return localReference(store, name)
	}
	ref, err := alltransports.ParseImageName(name)
	if err != nil {
		return nil, fmt.Errorf("parse image reference %q: %w", name, err)
	}
	if ref.Transport().Name() == istorage.Transport.Name() {
		_, rest, _ := strings.Cut(name, ":")
		rest, other, err := inThisStore(store, rest)
		if err != nil {
			return nil, err
		}
		if !other {
			return localReference(store, rest)
		}
	}
	return ref, nil
}

// WriteReference parses where an image is to be written under a name
// (commit, rebase): a local name, or this store's containers-storage:NAME,
// is a reference by that name even when an image has it now (the name
// then moves, as in buildah), where ParseReference, for reading, would
// resolve it to that image; any other transport's reference is its own.
func WriteReference(store cstorage.Store, dest string) (types.ImageReference, error) {
	name := dest
	if HasTransport(dest) {
		rest, ok := strings.CutPrefix(dest, istorage.Transport.Name()+":")
		if !ok {
			return ParseReference(store, dest)
		}
		rest, other, err := inThisStore(store, rest)
		if err != nil || other {
			return ParseReference(store, dest)
		}
		name = rest
	}
	normalized, err := NormalizeName(name)
	if err != nil {
		return nil, err
	}
	ref, err := istorage.Transport.ParseStoreReference(store, normalized)
	if err != nil {
		return nil, fmt.Errorf("parse image name %q: %w", name, err)
	}
	return ref, nil
}

// IsLocal says whether ref is an image in store: containers-storage without
// a store specification, or with store's own. Another store's reference
// ("containers-storage:[vfs@/other+/other-run]name") is written to by
// containers/image, as to any other transport.
func IsLocal(store cstorage.Store, ref types.ImageReference) bool {
	if ref.Transport().Name() != istorage.Transport.Name() {
		return false
	}
	_, other, err := inThisStore(store, ref.StringWithinTransport())
	return err == nil && !other
}

// ParseDestination parses where push-like commands send an image: a
// transport reference, or else a registry name ("docker://" implied).
func ParseDestination(store cstorage.Store, dest string) (types.ImageReference, error) {
	if !HasTransport(dest) {
		dest = "docker://" + dest
	}
	return ParseReference(store, dest)
}

func localReference(store cstorage.Store, name string) (types.ImageReference, error) {
	if img, err := store.Image(name); err == nil {
		return istorage.Transport.NewStoreReference(store, nil, img.ID)
	}
	normalized, err := NormalizeName(name)
	if err != nil {
		return nil, err
	}
	ref, err := istorage.Transport.ParseStoreReference(store, normalized)
	if err != nil {
		return nil, fmt.Errorf("parse image name %q: %w", name, err)
	}
	return ref, nil
}

// inThisStore strips a "[driver@root+runroot]" store specification from a
// containers-storage name, and says whether it names another store.
func inThisStore(store cstorage.Store, name string) (rest string, other bool, err error) {
	if !strings.HasPrefix(name, "[") {
		return name, false, nil
	}
	spec, rest, ok := strings.Cut(name[1:], "]")
	if !ok {
		return "", false, fmt.Errorf("parse image reference %q: unterminated store specification", name)
	}
	_, roots, _ := strings.Cut(spec, "@")
	root, _, _ := strings.Cut(roots, "+")
	return rest, filepath.Clean(root) != filepath.Clean(store.GraphRoot()), nil
}

// RefName is ref as the user writes it, with its transport ("docker://…"
// reads "docker://…", a local image "containers-storage:…").
func RefName(ref types.ImageReference) string {
	return ref.Transport().Name() + ":" + ref.StringWithinTransport()
}
