package tests

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hodbuild/hod/"

// imports gives every package of hod a row: the hod packages it may
// import directly. Rows go from the top (commands) down; a package imports
// only packages below it, so the layers are cmd → bud → {commit, run,
// copier} → container → {mount, storage/…} → internal. A package without a
// row fails the test: a new package takes its place here on purpose.
var imports = map[string][]string{
	"cmd/hod-man":        {"cmd"},
	"cmd/hod-full":       {"cmd", "internal/userns", "run"},
	"cmd":                {"attest", "bud", "cmd/short", "commit", "container", "container/state", "copier", "diff", "doctor", "inspect", "inspect/imageview", "internal/userns", "mount", "rebase", "run", "run/policy", "storage", "storage/catalog", "storage/lease", "storage/manifest", "storage/storeconf", "storage/transfer"},
	"cmd/hod":            {"cmd/short", "storage/catalog", "storage/storeconf"},
	"cmd/short":          {"container/state", "internal/failpoint", "inspect", "run/policy", "storage/catalog", "storage/storeconf"},
	"diff":               {"container", "copier", "storage"},
	"rebase":             {"storage", "storage/transfer"},
	"attest":             {"storage"},
	"doctor":             {"container", "storage/storeconf"},
	"bud":                {"attest", "commit", "container", "container/state", "copier", "mount", "run", "storage", "storage/manifest", "storage/storeconf", "storage/transfer"},
	"commit":             {"attest", "container", "container/state", "internal/failpoint", "internal/flock", "internal/tarx", "storage", "storage/stage", "storage/storeconf", "storage/transfer"},
	"run":                {"container", "container/state", "internal/flock", "internal/lockdir", "mount", "run/policy", "storage/lease", "storage/storeconf"},
	"copier":             {"container", "internal/tarx", "mount"},
	"inspect/imageview":  {"attest", "container/state", "inspect", "run/policy", "storage"},
	"inspect":            {"container/state", "run/policy"},
	"container":          {"container/state", "internal/failpoint", "mount", "storage", "storage/catalog", "storage/storeconf", "storage/transfer"},
	"container/state":    {},
	"run/policy":         {"storage/storeconf"},
	"mount":              {},
	"storage/transfer":   {"attest", "internal/failpoint", "internal/lockdir", "storage", "storage/lease", "storage/manifest", "storage/stage", "storage/storeconf"},
	"storage/stage":      {"internal/flock", "internal/tarx", "storage", "storage/storeconf"},
	"storage/manifest":   {"storage"},
	"storage":            {"internal/flock", "internal/lockdir", "storage/catalog", "storage/lease", "storage/storeconf"},
	"storage/catalog":    {"container/state", "storage/lease", "storage/storeconf"},
	"storage/lease":      {"internal/lockdir", "storage/storeconf"},
	"storage/storeconf":  {},
	"storage/storetest":  {"storage/storeconf"},
	"internal/failpoint": {},
	"internal/flock":     {},
	"internal/lockdir":   {},
	"internal/tarx":      {},
	"internal/userns":    {},
	"demo/hello":         {},
	"tests":              {},
}

// TestDependencyDirection checks every package's imports against its row,
// and that only the command packages link cobra.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "exclude_graphdriver_btrfs", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		allowed, ok := imports[pkg]
		if !ok {
			t.Errorf("package %s has no row in imports: say which of hod's packages it may import", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if imp == "github.com/spf13/cobra" && !strings.HasPrefix(pkg, "cmd") {
				t.Errorf("%s imports cobra: only commands parse flags", pkg)
			}
			if dep, ours := strings.CutPrefix(imp, module); ours && !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s, which its row does not allow", pkg, dep)
			}
		}
	}
}

// TestRowsPointDown checks the table itself: no package may import one
// that (directly or through others) imports it back, which also makes
// "lower" well defined.
func TestRowsPointDown(t *testing.T) {
	var reaches func(from, to string, seen map[string]bool) bool
	reaches = func(from, to string, seen map[string]bool) bool {
		if from == to {
			return true
		}
		if seen[from] {
			return false
		}
		seen[from] = true
		for _, next := range imports[from] {
			if reaches(next, to, seen) {
				return true
			}
		}
		return false
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			if _, ok := imports[dep]; !ok {
				t.Errorf("%s's row names %s, which has no row", pkg, dep)
			}
			if reaches(dep, pkg, map[string]bool{}) {
				t.Errorf("%s may import %s, which may import it back", pkg, dep)
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
