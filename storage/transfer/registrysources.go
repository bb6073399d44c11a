package transfer

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// registrySources is $BUILD_REGISTRY_SOURCES, the JSON an OpenShift build
// controller hands a builder it runs (buildah and podman read it too):
// registries to refuse, the only ones to allow, and insecure ones.
type registrySources struct {
	InsecureRegistries []string `json:"insecureRegistries,omitempty"`
	BlockedRegistries  []string `json:"blockedRegistries,omitempty"`
	AllowedRegistries  []string `json:"allowedRegistries,omitempty"`
}

// checkRegistrySources refuses a registry reference that
// $BUILD_REGISTRY_SOURCES blocks or does not allow, in buildah's words,
// and says whether it lists the registry as insecure.
func checkRegistrySources(ref types.ImageReference) (insecure bool, err error) {
	raw := os.Getenv("BUILD_REGISTRY_SOURCES")
	if raw == "" || ref == nil || ref.Transport().Name() != "docker" || ref.DockerReference() == nil {
		return false, nil
	}
	var sources registrySources
	if err := json.Unmarshal([]byte(raw), &sources); err != nil {
		return false, fmt.Errorf("parsing $BUILD_REGISTRY_SOURCES (%q) as JSON: %w", raw, err)
	}
	domain := reference.Domain(ref.DockerReference())
	if slices.Contains(sources.BlockedRegistries, domain) {
		return false, fmt.Errorf("registry %q denied by policy: it is in the blocked registries list (%s)", domain, raw)
	}
	if len(sources.AllowedRegistries) > 0 && !slices.Contains(sources.AllowedRegistries, domain) {
		return false, fmt.Errorf("registry %q denied by policy: not in allowed registries list (%s)", domain, raw)
	}
	return slices.Contains(sources.InsecureRegistries, domain), nil
}
