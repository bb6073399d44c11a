package manifest

import (
	"context"
	"fmt"

	"github.com/hodbuild/hod/storage"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Platforms lists the platforms an image exists for, "OS/ARCH[/VARIANT]":
// a manifest list's instances, or a single image's own platform. A name
// that is not local is read from its registry or transport.
func Platforms(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string) ([]string, error) {
	if l, err := openList(store, name); err == nil {
		var out []string
		for _, d := range l.index.Manifests {
			if d.Platform != nil {
				out = append(out, storage.Platform{OS: d.Platform.OS, Arch: d.Platform.Architecture, Variant: d.Platform.Variant}.String())
			}
		}
		return out, nil
	}
	ref, err := sourceReference(store, name)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer src.Close()
	raw, mime, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if manifest.MIMETypeIsMultiImage(mime) {
		list, err := manifest.ListFromBlob(raw, mime)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		var out []string
		for _, d := range list.Instances() {
			if in, err := list.Instance(d); err == nil && in.ReadOnly.Platform != nil {
				p := in.ReadOnly.Platform
				out = append(out, storage.Platform{OS: p.OS, Arch: p.Architecture, Variant: p.Variant}.String())
			}
		}
		return out, nil
	}
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, nil))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return []string{storage.Platform{OS: cfg.OS, Arch: cfg.Architecture, Variant: cfg.Variant}.String()}, nil
}

// sourceReference is a local image's reference, or else name's in its
// transport (a registry when it has none).
func sourceReference(store cstorage.Store, name string) (types.ImageReference, error) {
	if img, err := storage.Lookup(store, name); err == nil {
		return istorage.Transport.NewStoreReference(store, nil, img.ID)
	}
	if !storage.HasTransport(name) {
		name = "docker://" + name
	}
	return storage.ParseReference(store, name)
}
