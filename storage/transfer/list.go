package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hodbuild/hod/attest"
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
	raw, err := copyImage(ctx, store, sys, destRef, src, copyOpts, nil)
	if err != nil {
		return "", fmt.Errorf("push manifest list %q to %s: %w", listName, dest, err)
	}
	if all {
		if raw, err = attachToList(ctx, store, sys, destRef, listName, raw); err != nil {
			return "", fmt.Errorf("push manifest list %q to %s: attestations: %w", listName, dest, err)
		}
	}
	return imanifest.Digest(raw)
}

// attachToList adds to a pushed OCI index, for each instance whose local
// image keeps attestations, an attestation manifest about that instance,
// as BuildKit lays out a multi-platform build, and returns the index
// written. The copy keeps the list's order, which pairs each pushed
// instance with its local image.
func attachToList(ctx context.Context, store cstorage.Store, sys *types.SystemContext, ref types.ImageReference, listName string, raw []byte) ([]byte, error) {
	if t := ref.Transport().Name(); t != "docker" && t != "oci" {
		return raw, nil
	}
	images, err := manifest.InstanceImages(store, listName)
	if err != nil {
		return nil, err
	}
	var index ispec.Index
	if imanifest.GuessMIMEType(raw) != ispec.MediaTypeImageIndex || json.Unmarshal(raw, &index) != nil || len(index.Manifests) != len(images) {
		return raw, nil // a Docker list holds no attestations; nothing to pair
	}
	var layouts []*attest.Layout
	for i, id := range images {
		atts := attest.Stored(store, id)
		if id == "" || len(atts) == 0 {
			continue
		}
		l, err := attest.NewAttestationManifest(listName, index.Manifests[i], atts)
		if err != nil {
			return nil, err
		}
		layouts = append(layouts, l)
		index.Manifests = append(index.Manifests, l.Attestation.Desc)
	}
	if len(layouts) == 0 {
		return raw, nil
	}
	out, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	return out, putIndex(ctx, sys, ref, out, layouts)
}
