// Package storetest gives unit tests a real containers/storage store in a
// temporary directory; it is imported only by tests.
package storetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hodbuild/hod/storage/storeconf"

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

// KillJournals leaves copies of the store's write journals as a process
// killed now would leave them (unlocked), so a test can reap what a kill
// at this point would leave, and returns the copies' files by name.
func KillJournals(t testing.TB, store cstorage.Store) map[string]string {
	t.Helper()
	root := storeconf.JournalDir(store.GraphRoot())
	live, err := filepath.Glob(filepath.Join(root, storeconf.JournalPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]string{}
	for i, dir := range live {
		dead := filepath.Join(root, storeconf.JournalPrefix+"killed-"+strings.Repeat("x", i+1))
		if err := os.Mkdir(dead, 0o700); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dead, e.Name()), data, 0o600); err != nil {
				t.Fatal(err)
			}
			notes[e.Name()] = string(data)
		}
	}
	return notes
}
