package attest

import (
	"encoding/json"
	"strings"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ProvenancePredicateType is SLSA provenance v1's.
const ProvenancePredicateType = "https://slsa.dev/provenance/v1"

// BuildType names how hod built an image, in the provenance.
const BuildType = "https://github.com/hodbuild/hod/build/v1"

// Build is what a provenance records. Nothing secret goes in: build
// arguments are the declared ones (which the image's history carries
// already), RUN commands are the history's, secrets are mounts never
// named by value.
type Build struct {
	Builder       string            // "hod"
	Version       string            // hod's version
	Bases         []Base            // base images, by name and manifest digest
	Containerfile string            // digest of the Containerfile, bud only
	Context       string            // the copy engine's digest of the build context, bud only
	Args          map[string]string // build arguments, bud only
	Target        string            // --target, bud only
	Runs          []string          // the RUN commands, in order
}

// Base is one base image.
type Base struct{ Name, Digest string }

// Provenance is b as a SLSA provenance v1 predicate.
func Provenance(b Build) ([]byte, error) {
	type resource struct {
		URI    string            `json:"uri,omitempty"`
		Digest map[string]string `json:"digest,omitempty"`
	}
	external := map[string]any{}
	if b.Containerfile != "" {
		external["containerfile"] = resource{Digest: digestMap(b.Containerfile)}
	}
	if b.Context != "" {
		external["context"] = resource{Digest: digestMap(b.Context)}
	}
	if len(b.Args) > 0 {
		external["buildArgs"] = b.Args
	}
	if b.Target != "" {
		external["target"] = b.Target
	}
	var deps []resource
	for _, base := range b.Bases {
		deps = append(deps, resource{URI: base.Name, Digest: digestMap(base.Digest)})
	}
	predicate := map[string]any{
		"buildDefinition": map[string]any{
			"buildType":            BuildType,
			"externalParameters":   external,
			"internalParameters":   map[string]any{"runCommands": orEmpty(b.Runs)},
			"resolvedDependencies": deps,
		},
		"runDetails": map[string]any{
			"builder": map[string]any{"id": "https://github.com/hodbuild/hod", "version": map[string]string{b.Builder: b.Version}},
		},
	}
	return json.MarshalIndent(predicate, "", "  ")
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// digestMap is "sha256:HEX" as in-toto's {"sha256": "HEX"}.
func digestMap(d string) map[string]string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		return map[string]string{"sha256": d}
	}
	return map[string]string{algo: hex}
}

// RunCommands are the commands of the history's layers made by RUN (bud's
// "RUN ..." entries, buildah's "/bin/sh -c ..." ones), not configuration.
func RunCommands(history []ispec.History) []string {
	var out []string
	for _, h := range history {
		cmd := h.CreatedBy
		switch {
		case strings.Contains(cmd, "#(nop)"), cmd == "":
		case strings.HasPrefix(cmd, "RUN "), strings.HasPrefix(cmd, "/bin/sh -c "), strings.HasPrefix(cmd, "|"):
			out = append(out, cmd)
		}
	}
	return out
}
