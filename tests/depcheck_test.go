package tests

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hodbuild/hod/"

// TestDependencyDirection enforces cmd → bud → {commit, container} →
// {mount, storage}: lower packages never import higher ones, and only cmd
// imports cobra.
func TestDependencyDirection(t *testing.T) {
	forbidden := map[string][]string{
		"storage":   {module + "container", module + "commit", module + "mount", module + "bud", module + "cmd", "github.com/spf13/cobra"},
		"mount":     {module + "container", module + "commit", module + "storage", module + "bud", module + "cmd", "github.com/spf13/cobra"},
		"container": {module + "commit", module + "bud", module + "cmd", "github.com/spf13/cobra"},
		"commit":    {module + "bud", module + "cmd", "github.com/spf13/cobra"},
		"bud":       {module + "cmd", "github.com/spf13/cobra"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-tags", "containers_image_openpgp exclude_graphdriver_btrfs", "-deps", "../"+pkg).Output()
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
