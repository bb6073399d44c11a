package tests

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hodbuild/hod/"

// TestDependencyDirection enforces cmd → bud → {commit, run, copier} →
// container → {mount, storage}: lower packages never import higher ones,
// run and copier not each other, and only cmd imports cobra.
func TestDependencyDirection(t *testing.T) {
	higher := func(pkgs ...string) []string {
		out := []string{"github.com/spf13/cobra"}
		for _, p := range pkgs {
			out = append(out, module+p)
		}
		return out
	}
	forbidden := map[string][]string{
		"storage":   higher("container", "run", "copier", "commit", "mount", "bud", "cmd"),
		"mount":     higher("container", "run", "copier", "commit", "storage", "bud", "cmd"),
		"container": higher("run", "copier", "commit", "bud", "cmd"),
		"run":       higher("copier", "commit", "bud", "cmd"),
		"copier":    higher("run", "commit", "bud", "cmd"),
		"commit":    higher("run", "copier", "bud", "cmd"),
		"bud":       higher("cmd"),
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-tags", "exclude_graphdriver_btrfs", "-deps", "../"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, b := range bad {
			if slices.Contains(deps, b) {
				t.Errorf("%s imports %s", pkg, b)
			}
		}
	}
}

// TestFrontIsLean keeps the front (cmd/hod) free of the container
// libraries, whose initialisation is what the front exists to skip: it
// links neither containers/storage nor containers/image's transports, nor
// hod's packages built on them.
func TestFrontIsLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "exclude_graphdriver_btrfs", "-deps", "../cmd/hod").Output()
	if err != nil {
		t.Fatalf("go list cmd/hod: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, heavy := range []string{
		"go.podman.io/storage", "go.podman.io/image/v5/docker", "go.podman.io/image/v5/docker/reference",
		"go.podman.io/image/v5/manifest", "go.podman.io/image/v5/copy", "google.golang.org/grpc",
		module + "storage", module + "container", module + "run", module + "commit", module + "cmd",
	} {
		if slices.Contains(deps, heavy) {
			t.Errorf("the front links %s", heavy)
		}
	}
	if len(deps) > 170 {
		t.Errorf("the front links %d packages; it linked 139 when it started in 2 ms", len(deps))
	}
}
