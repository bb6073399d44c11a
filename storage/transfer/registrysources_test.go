package transfer

import (
	"strings"
	"testing"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
)

// $BUILD_REGISTRY_SOURCES as buildah reads it (pull-denied-by-registry-sources).
func TestCheckRegistrySources(t *testing.T) {
	named, err := reference.ParseNormalizedNamed("busybox")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, env, wantErr string
		insecure           bool
	}{
		{"unset", "", "", false},
		{"blocked", `{"blockedRegistries": ["docker.io"]}`, `registry "docker.io" denied by policy: it is in the blocked registries list`, false},
		{"not allowed", `{"allowedRegistries": ["other.example.com"]}`, `registry "docker.io" denied by policy: not in allowed registries list`, false},
		{"allowed and insecure", `{"allowedRegistries": ["docker.io"], "insecureRegistries": ["docker.io"]}`, "", true},
		{"bad JSON", `{`, "parsing $BUILD_REGISTRY_SOURCES", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("BUILD_REGISTRY_SOURCES", tc.env)
			insecure, err := checkRegistrySources(ref)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if insecure != tc.insecure {
				t.Errorf("insecure = %v, want %v", insecure, tc.insecure)
			}
		})
	}
}
