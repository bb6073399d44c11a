package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

// A version 1 registries.conf (buildah's tests/registries.conf.block) means
// the same once converted; a version 2 file is used as it is.
func TestV2Registries(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "v1.conf")
	if err := os.WriteFile(v1, []byte("[registries.search]\nregistries = ['docker.io', 'quay.io']\n[registries.insecure]\nregistries = ['insecure.example']\n[registries.block]\nregistries = ['docker.io']\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", dir)
	path, err := v2Registries(v1)
	if err != nil || path == v1 {
		t.Fatalf("v2Registries(v1) = %q, %v", path, err)
	}
	sys := &types.SystemContext{SystemRegistriesConfPath: path, SystemRegistriesConfDirPath: filepath.Join(dir, "none.d")}
	search, err := sysregistriesv2.UnqualifiedSearchRegistries(sys)
	if err != nil || !slices.Equal(search, []string{"docker.io", "quay.io"}) {
		t.Errorf("search registries %v, %v", search, err)
	}
	for loc, want := range map[string][2]bool{"docker.io": {false, true}, "insecure.example": {true, false}} {
		r, err := sysregistriesv2.FindRegistry(sys, loc+"/x")
		if err != nil || r == nil || r.Insecure != want[0] || r.Blocked != want[1] {
			t.Errorf("%s: %+v, %v; want insecure=%v blocked=%v", loc, r, err, want[0], want[1])
		}
	}
	v2 := filepath.Join(dir, "v2.conf")
	if err := os.WriteFile(v2, []byte("unqualified-search-registries = ['docker.io']\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if path, err := v2Registries(v2); err != nil || path != v2 {
		t.Errorf("v2Registries(v2) = %q, %v; want it unchanged", path, err)
	}
}
