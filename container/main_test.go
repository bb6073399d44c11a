package container

import (
	"os"
	"path/filepath"
	"testing"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
)

func TestMain(m *testing.M) {
	// Copy's chrooted extraction re-executes the test binary.
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// newStore opens a real vfs store in a temporary directory.
func newStore(t *testing.T) cstorage.Store {
	t.Helper()
	dir := t.TempDir()
	store, err := cstorage.GetStore(cstorage.StoreOptions{
		GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return store
}
