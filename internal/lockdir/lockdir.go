// Package lockdir gives a process directories that are its own for as long
// as it lives: each holds an flock the kernel drops when the process dies,
// however it dies, so another process can tell a killed owner's leftovers
// from a live owner's work.
package lockdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Dir is a directory locked by this process.
type Dir struct {
	Path string
	fd   int
}

// New creates a locked directory PREFIX* under parent. It is made and
// locked under a name Reap takes for half-made (".new-PREFIXPID-*", PID
// the maker's), then renamed: there is no moment at which it has its final
// name and no lock. Reap removes a half-made directory only once its
// maker is dead, so it never takes one from a live maker.
func New(parent, prefix string) (*Dir, error) {
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, fmt.Sprintf(".new-%s%d-", prefix, os.Getpid()))
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(tmp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	}
	final := filepath.Join(parent, prefix+strings.TrimPrefix(filepath.Base(tmp), ".new-"+prefix))
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	return &Dir{Path: final, fd: fd}, nil
}

// Release removes the directory and drops its lock. The directory is
// first renamed out of Reap's sight (".gone-"), so a process killed while
// removing it leaves nothing that looks unfinished.
func (d *Dir) Release() error {
	gone := filepath.Join(filepath.Dir(d.Path), ".gone-"+filepath.Base(d.Path))
	err := os.Rename(d.Path, gone)
	if err == nil {
		err = os.RemoveAll(gone)
	}
	unix.Close(d.fd)
	return err
}

// Reap calls reap for each PREFIX* directory under parent whose owner is
// gone (its lock can be taken), then removes it, and removes half-made
// directories of processes killed while making one.
func Reap(parent, prefix string, reap func(dir string) error) error {
	if reap == nil {
		return ReapAll(parent, prefix, nil)
	}
	return ReapAll(parent, prefix, func(dirs []string) error {
		for _, d := range dirs {
			if err := reap(d); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReapAll is Reap with all stale directories at once, locked together.
func ReapAll(parent, prefix string, reap func(dirs []string) error) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		if os.IsNotExist(err) || os.IsPermission(err) {
			return nil // nothing of ours can be there
		}
		return err
	}
	var dirs []string
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for _, e := range entries {
		p := filepath.Join(parent, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), prefix):
			// Skipped: a live owner's, not a directory, or reaped meanwhile.
			if fd, ok := tryLock(p); ok {
				dirs, fds = append(dirs, p), append(fds, fd)
			}
		case strings.HasPrefix(e.Name(), ".new-"+prefix):
			if !makerAlive(strings.TrimPrefix(e.Name(), ".new-"+prefix)) {
				removeHalfMade(p)
			}
		case strings.HasPrefix(e.Name(), ".gone-"+prefix):
			removeHalfMade(p)
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	if reap != nil {
		if err := reap(dirs); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

// makerAlive says whether the process whose PID starts a half-made
// directory's name (after its prefix) lives.
func makerAlive(rest string) bool {
	pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
	if err != nil || pid <= 0 {
		return false
	}
	err = unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// removeHalfMade removes a directory whose maker died before renaming it,
// or while removing it.
func removeHalfMade(p string) {
	if fd, ok := tryLock(p); ok {
		os.RemoveAll(p)
		unix.Close(fd)
	}
}

// tryLock takes directory p's lock if no live process holds it; closing
// the descriptor drops it.
func tryLock(p string) (fd int, ok bool) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, false
	}
	if unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) != nil {
		unix.Close(fd)
		return -1, false
	}
	return fd, true
}

// Live reports whether dir's owner is alive (holds its lock).
func Live(dir string) bool {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) != nil
}
