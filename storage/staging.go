package storage

import (
	"errors"
	"fmt"
	"github.com/hodbuild/hod/storage/storeconf"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hodbuild/hod/internal/flock"
	"github.com/hodbuild/hod/internal/lockdir"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// ReapStaging removes what copies of killed hod processes staged.
func ReapStaging(store cstorage.Store) error {
	return lockdir.Reap(storeconf.StagingDir(store.GraphRoot()), storeconf.StagingPrefix, nil)
}

// newStaging makes a directory of this process's own for a copy's big
// files (containers/image's staged layers) and returns what points a
// system context there, and the release that removes it. What killed
// copies left there went when the store was opened (ReapStaging).
func newStaging(graphRoot string) (func(*types.SystemContext) *types.SystemContext, func(), error) {
	dir, err := lockdir.New(storeconf.StagingDir(graphRoot), storeconf.StagingPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("staging directory: %w", err)
	}
	point := func(sys *types.SystemContext) *types.SystemContext {
		staged := types.SystemContext{}
		if sys != nil {
			staged = *sys
		}
		staged.BigFilesTemporaryDir = dir.Path
		return &staged
	}
	return point, func() { _ = dir.Release() }, nil
}

// DriverStagingLock is held while a commit has the storage driver make a
// staging directory, until the directory's staging.lock is taken: the
// driver makes the directory first and its lock file after, so a directory
// without one is either being made or was left by a writer killed right
// then, and only this lock tells which.
func DriverStagingLock(store cstorage.Store) string {
	return filepath.Join(store.RunRoot(), "hod-driver-staging.lock")
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
