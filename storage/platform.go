package storage

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"strings"

	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Platform is an image's OS, architecture and variant.
type Platform struct{ OS, Arch, Variant string }

// ParsePlatform parses OS/ARCH[/VARIANT] (--platform, FROM --platform):
// the one parser of that form. As in buildah, an empty OS or ARCH is this
// machine's ("windows/" is windows on this architecture), an empty VARIANT
// is none, and "local" is this machine's platform.
func ParsePlatform(s string) (Platform, error) {
	if s == "local" {
		return Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Platform{}, fmt.Errorf("invalid platform syntax for %q (use OS/ARCH[/VARIANT][,...])", s)
	}
	p := Platform{OS: cmp.Or(parts[0], runtime.GOOS), Arch: cmp.Or(parts[1], runtime.GOARCH)}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// Normalize spells an architecture as the OCI image spec does, with the
// variant it implies, as buildah (containerd's platforms package) does:
// armhf is arm/v7, armel arm/v6, aarch64 arm64, x86_64 amd64, i386 386.
func (p Platform) Normalize() Platform {
	switch strings.ToLower(p.Arch) {
	case "armhf":
		p.Arch, p.Variant = "arm", cmp.Or(p.Variant, "v7")
	case "armel":
		p.Arch, p.Variant = "arm", cmp.Or(p.Variant, "v6")
	case "aarch64":
		p.Arch = "arm64"
	case "x86_64", "x86-64":
		p.Arch = "amd64"
	case "i386", "i486", "i586", "i686":
		p.Arch = "386"
	}
	return p
}

// String is OS/ARCH[/VARIANT].
func (p Platform) String() string {
	s := p.OS + "/" + p.Arch
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Choose returns a copy of sys (nil: a new one) that picks p from manifest lists.
func (p Platform) Choose(sys *types.SystemContext) *types.SystemContext {
	chosen := types.SystemContext{}
	if sys != nil {
		chosen = *sys
	}
	chosen.OSChoice, chosen.ArchitectureChoice, chosen.VariantChoice = p.OS, p.Arch, p.Variant
	return &chosen
}

// ImagePlatforms lists the platforms an image exists for, "OS/ARCH[/VARIANT]":
// a manifest list's instances, or a single image's own platform. A name
// that is not local is read from its registry or transport.
func ImagePlatforms(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string) ([]string, error) {
	if l, err := openList(store, name); err == nil {
		var out []string
		for _, d := range l.index.Manifests {
			if d.Platform != nil {
				out = append(out, Platform{OS: d.Platform.OS, Arch: d.Platform.Architecture, Variant: d.Platform.Variant}.String())
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
				out = append(out, Platform{OS: p.OS, Arch: p.Architecture, Variant: p.Variant}.String())
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
	return []string{Platform{OS: cfg.OS, Arch: cfg.Architecture, Variant: cfg.Variant}.String()}, nil
}

// sourceReference is a local image's reference, or else name's in its
// transport (a registry when it has none).
func sourceReference(store cstorage.Store, name string) (types.ImageReference, error) {
	if img, err := Lookup(store, name); err == nil {
		return istorage.Transport.NewStoreReference(store, nil, img.ID)
	}
	if !HasTransport(name) {
		name = "docker://" + name
	}
	return ParseReference(store, name)
}
