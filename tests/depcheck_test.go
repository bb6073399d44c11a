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
