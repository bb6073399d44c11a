// Package imageview is inspect's view of a stored image, read through
// containers/image: the full binary's part of "hod inspect".
package imageview

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hodbuild/hod/attest"
	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/inspect"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Image is the view of a local image, as buildah shows one: a builder
// that would start from it.
func Image(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, isolation policy.Isolation) (*inspect.Builder, error) {
	found, err := storage.Lookup(store, name)
	if err != nil {
		return nil, err
	}
	img, err := readImage(ctx, store, sys, found.ID)
	if err != nil {
		return nil, err
	}
	b := inspect.Document(isolation)
	b.FromImage, b.FromImageID, b.FromImageDigest = img.name, found.ID, img.digest.String()
	b.Config, b.Manifest = string(img.config), string(img.manifest)
	b.OCIv1, b.History = *img.oci, img.oci.History
	if img.mime == manifest.DockerV2Schema2MediaType {
		if err := json.Unmarshal(img.config, &b.Docker); err != nil {
			return nil, fmt.Errorf("parse docker configuration of %q: %w", name, err)
		}
	} else {
		b.Docker = (&state.State{}).DockerImage(*img.oci)
		var m ispec.Manifest
		if json.Unmarshal(img.manifest, &m) == nil && m.Annotations != nil {
			b.ImageAnnotations = m.Annotations
		}
	}
	for key, predicateType := range attest.Keys {
		if data, err := store.ImageBigData(found.ID, key); err == nil {
			if b.Attestations == nil {
				b.Attestations = map[string]json.RawMessage{}
			}
			b.Attestations[predicateType] = data
		}
	}
	return &b, nil
}

// Base is a container's base image, read through containers/image: for
// the images the catalog cannot read itself.
func Base(ctx context.Context, store cstorage.Store, sys *types.SystemContext, id string) (*inspect.Base, error) {
	img, err := readImage(ctx, store, sys, id)
	if err != nil {
		return nil, err
	}
	return &inspect.Base{Name: img.name, Config: img.config, Manifest: img.manifest}, nil
}

// image is what the views read of a local image.
type image struct {
	name             string
	manifest, config []byte
	mime             string
	digest           digest.Digest
	oci              *ispec.Image
}

func readImage(ctx context.Context, store cstorage.Store, sys *types.SystemContext, id string) (*image, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImage(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", id, err)
	}
	defer src.Close()
	var img image
	if img.manifest, img.mime, err = src.Manifest(ctx); err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", id, err)
	}
	if img.config, err = src.ConfigBlob(ctx); err != nil {
		return nil, fmt.Errorf("read configuration of %s: %w", id, err)
	}
	if img.oci, err = src.OCIConfig(ctx); err != nil {
		return nil, fmt.Errorf("read configuration of %s: %w", id, err)
	}
	if img.digest, err = manifest.Digest(img.manifest); err != nil {
		return nil, err
	}
	if s, err := store.Image(id); err == nil && len(s.Names) > 0 {
		img.name = s.Names[0]
	}
	return &img, nil
}
