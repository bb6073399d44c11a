package storage

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/types"
)

// Platform is an image's OS, architecture and variant.
type Platform struct{ OS, Arch, Variant string }

// ParsePlatform parses OS/ARCH[/VARIANT] (--platform, FROM --platform):
// the one parser of that form.
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return Platform{}, fmt.Errorf("platform %q: want OS/ARCH[/VARIANT]", s)
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
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
