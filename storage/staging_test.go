package storage

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hodbuild/hod/internal/flock"
	"github.com/hodbuild/hod/storage/storetest"
)

// A staging directory without its lock file is one a writer was killed in
// while the driver made it, or one a live commit is making: the reaper
// removes it only when no commit is between the two (DriverStagingLock).
// A crash test left such a directory behind before.
func TestReapDriverStagingLockless(t *testing.T) {
	store := storetest.New(t)
	dir := filepath.Join(store.GraphRoot(), store.GraphDriverName(), "staging", "1234")
	if err := os.MkdirAll(filepath.Join(dir, "dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	unlock, err := flock.Lock(DriverStagingLock(store))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { reapDriverStaging(store); close(done) }()
	select {
	case <-done:
		t.Fatal("the reaper did not wait for the commit making a staging directory")
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a directory being made was removed: %v", err)
	}
	unlock()
	<-done
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("an abandoned directory without a lock file is left: %v", err)
	}
}
