package storage

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/sirupsen/logrus"
)

// IsStagingRace reports whether err is containers/storage's staging race:
// another process's stale-directory recovery removed the temporary
// directory a layer was being staged in (a lock file is unlinked before it
// is unlocked, so a process can lock a file no longer there; README,
// known issues). It shows as a missing file under "temp-dir-N", or, when
// the unpacking child was chrooted into the staging directory, as its
// "unpacking failed … no such file or directory". The write failed whole
// and can simply be tried again (a real missing file fails again).
func IsStagingRace(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return errors.Is(err, fs.ErrNotExist) && strings.Contains(msg, "/temp-dir-") ||
		strings.Contains(msg, "unpacking failed") && strings.Contains(msg, "no such file or directory")
}

// RetryStagingRace runs write until it succeeds, fails otherwise, or lost
// the staging race three times.
func RetryStagingRace(what string, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if !IsStagingRace(err) || attempt == 3 {
			return err
		}
		logrus.Debugf("%s: lost containers/storage's staging race, trying again: %v", what, err)
	}
}
