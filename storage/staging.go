package storage

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hodbuild/hod/internal/flock"
	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/sirupsen/logrus"
	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// DriverStagingLock is held while a commit has the storage driver make a
// staging directory, until the directory's staging.lock is taken: the
// driver makes the directory first and its lock file after, so a directory
// without one is either being made or was left by a writer killed right
// then, and only this lock tells which.
func DriverStagingLock(store cstorage.Store) string {
	return storeconf.DriverStagingLock(store.RunRoot())
}

// reapDriverStaging removes layers killed commits staged in the storage
// driver's staging directory (commit stages a layer there before naming
// it). containers/storage prunes them only at a shutdown with nothing
// mounted, which a working container rarely allows. A directory whose
// staging.lock its writer still holds (a fcntl lock, as containers/storage
// takes it) is left alone. One without a lock file is removed, as
// containers/storage's own pruning does; hod's commits make theirs under
// DriverStagingLock, which this holds.
func reapDriverStaging(store cstorage.Store) {
	base := filepath.Join(store.GraphRoot(), store.GraphDriverName(), "staging")
	entries, err := os.ReadDir(base)
	if err != nil || len(entries) == 0 {
		return
	}
	err = flock.With(DriverStagingLock(store), func() error {
		for _, e := range entries {
			if dir := filepath.Join(base, e.Name()); abandoned(dir) {
				logrus.Debugf("removing %s, staged by a killed writer", dir)
				if err := os.RemoveAll(dir); err != nil {
					logrus.Debugf("remove %s: %v", dir, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		logrus.Debugf("reap %s: %v", base, err)
	}
}

// abandoned says whether no live writer holds the staging directory's lock.
func abandoned(dir string) bool {
	lock, err := os.OpenFile(filepath.Join(dir, "staging.lock"), os.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer lock.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	return unix.FcntlFlock(lock.Fd(), unix.F_SETLK, &lk) == nil
}
