// Package storetest gives unit tests a real containers/storage store in a
// temporary directory; it is imported only by tests.
package storetest

import (
	"os"
	"path/filepath"
	"testing"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
)

// Main runs a package's tests; tests that extract archives (chrooted) or
// mount need the test binary to handle containers/storage's re-executions.
func Main(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// New opens a real vfs store under t's temporary directory and shuts it
// down when the test ends.
func New(t testing.TB) cstorage.Store { return WithDriver(t, "vfs") }

// WithDriver opens a real store with the named graph driver.
func WithDriver(t testing.TB, driver string) cstorage.Store {
	t.Helper()
	dir := t.TempDir()
	store, err := cstorage.GetStore(cstorage.StoreOptions{
		GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: driver,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return store
}
