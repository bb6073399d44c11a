package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

// A store that fails to load (a corrupt containers.json here) leaves no
// mount behind: the overlay driver bind-mounts its home before the records
// are read, and containers/storage does not undo that when they fail.
func TestOpenFailureLeavesNoMount(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("overlay needs root")
	}
	dir := t.TempDir()
	o := Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), Driver: "overlay"}
	// Written by hand, not through a first Open: containers/storage keeps
	// the stores a process opened and would hand the same one back.
	records := filepath.Join(o.Root, "overlay-containers", "containers.json")
	if err := os.MkdirAll(filepath.Dir(records), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(records, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(o)
	if err == nil || !strings.Contains(err.Error(), "containers.json") {
		t.Fatalf("open of a corrupt store: %v, want an error naming containers.json", err)
	}
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(o.Root))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		t.Errorf("left mounted: %s", m.Mountpoint)
	}
}
