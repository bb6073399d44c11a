package transfer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/manifest"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	imanifest "go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// AddToList adds image to the manifest list listName (manifest.Add). An
// image that is not stored is pulled first, for the instance's platform:
// buildah adds a registry image without storing it, but hod's lists hold
// local images.
func AddToList(ctx context.Context, store cstorage.Store, sys *types.SystemContext, listName, image string, in manifest.Instance, all bool) (digest.Digest, error) {
	_, err := storage.Lookup(store, image)
	if errors.Is(err, storage.ErrImageNotFound) && (!storage.HasTransport(image) || strings.HasPrefix(image, "docker://")) {
		if _, err := Pull(ctx, store, in.Platform.Completed(sys).Choose(sys), image, PullOptions{Policy: PullMissing}); err != nil {
			return "", fmt.Errorf("add %q to %q: %w", image, listName, err)
		}
	}
	return manifest.Add(ctx, store, sys, listName, image, in, all)
}

// PushList copies the manifest list listName to dest: with all, every instance; without,
// the one for this platform. opts.Format names the list's format ("oci" an
// OCI index, "docker"/"v2s2" a Docker manifest list). It returns the digest
// of the list written.
func PushList(ctx context.Context, store cstorage.Store, sys *types.SystemContext, listName, dest string, all bool, opts PushOptions) (digest.Digest, error) {
	src, err := manifest.Reference(store, listName)
	if err != nil {
		return "", err
	}
	destRef, err := storage.ParseDestination(store, dest)
	if err != nil {
		return "", err
	}
	copyOpts, err := opts.copyOptions(sys, listName, destRef)
	if err != nil {
		return "", err
	}
	if all {
		copyOpts.ImageListSelection = copy.CopyAllImages
	}
	raw, err := copyImage(ctx, store, sys, destRef, src, copyOpts)
	if err != nil {
		return "", fmt.Errorf("push manifest list %q to %s: %w", listName, dest, err)
	}
	return imanifest.Digest(raw)
}
