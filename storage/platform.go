package storage

import (
	"cmp"
	"fmt"
	"runtime"
	"strings"

	"go.podman.io/image/v5/types"
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

// Completed is p with what it leaves open taken from sys's choices, then
// from this machine.
func (p Platform) Completed(sys *types.SystemContext) Platform {
	if sys != nil {
		p.OS, p.Arch, p.Variant = cmp.Or(p.OS, sys.OSChoice), cmp.Or(p.Arch, sys.ArchitectureChoice), cmp.Or(p.Variant, sys.VariantChoice)
	}
	return Platform{OS: cmp.Or(p.OS, runtime.GOOS), Arch: cmp.Or(p.Arch, runtime.GOARCH), Variant: p.Variant}
}
