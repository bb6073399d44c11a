// Package storage opens hod's containers/storage store and handles images in
// it: resolving names, parsing transport references, pulling, tagging,
// listing and removing. It is shared with buildah and podman, so everything
// here goes through go.podman.io/storage and go.podman.io/image/v5 rather than
// touching the on-disk layout directly.
//
// It must not import any other hod package.
package storage
