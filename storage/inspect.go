package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// ImageInfo is what "inspect" shows of an image.
type ImageInfo struct {
	Type         string          `json:"Type"`
	ID           string          `json:"ID"`
	Names        []string        `json:"Names"`
	Digest       digest.Digest   `json:"Digest"`
	Created      time.Time       `json:"Created"`
	ManifestType string          `json:"ManifestType"`
	Manifest     json.RawMessage `json:"Manifest"`
	Config       json.RawMessage `json:"Config"`
	OCIv1        *ispec.Image    `json:"OCIv1"`
}

// Inspect reads a local image's manifest and configuration.
func Inspect(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string) (*ImageInfo, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return nil, err
	}
	ref, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImage(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("read image %q: %w", name, err)
	}
	defer src.Close()
	raw, mime, err := src.Manifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("read manifest of %q: %w", name, err)
	}
	config, err := src.ConfigBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("read configuration of %q: %w", name, err)
	}
	oci, err := src.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read configuration of %q: %w", name, err)
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return nil, err
	}
	return &ImageInfo{Type: "image", ID: img.ID, Names: img.Names, Digest: d, Created: img.Created,
		ManifestType: mime, Manifest: raw, Config: config, OCIv1: oci}, nil
}
