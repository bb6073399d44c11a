package run

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storeconf"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	"github.com/sirupsen/logrus"
	cstorage "go.podman.io/storage"
)

// A run's bundle directory is locked by its hod for as long as the run
// lasts, and notes what a killed hod would leave behind: the runtime
// container ("runtime": binary and state root), chroot isolation's child
// ("pid": PID and start time, so a reused PID is never killed), and the
// container mount the run holds (lease.NoteMount; lease.Reap drops it).

// bundlePrefix names a container's bundle directories.
func bundlePrefix(c *container.Container) string { return c.ID[:12] + "-" }

func note(dir, name, content string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
}

// noteProcess records chroot isolation's child.
func noteProcess(dir string, pid int) error {
	start, err := startTime(pid)
	if err != nil {
		return err
	}
	return note(dir, "pid", fmt.Sprintf("%d %s", pid, start))
}

// startTime is field 22 of /proc/PID/stat, the process's start time.
func startTime(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 20 {
		return "", errors.New("short /proc stat")
	}
	return f[19], nil
}

// runtimeOf runs the runtime a bundle's run used, with its state root, if
// the run got that far (nil otherwise).
func runtimeOf(dir string) func(args ...string) {
	data, err := os.ReadFile(filepath.Join(dir, "runtime"))
	if err != nil {
		return nil
	}
	rt := strings.SplitN(string(data), "\n", 2)
	if len(rt) != 2 {
		return nil
	}
	return func(args ...string) { _ = exec.Command(rt[0], append([]string{"--root", rt[1]}, args...)...).Run() }
}

// stopProcesses kills what a bundle's run started.
func stopProcesses(dir string) {
	if rt := runtimeOf(dir); rt != nil {
		rt("kill", "--all", filepath.Base(dir), "KILL")
	}
	if data, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil {
		var pid int
		var start string
		if _, err := fmt.Sscanf(string(data), "%d %s", &pid, &start); err == nil && pid > 1 {
			if now, err := startTime(pid); err == nil && now == start {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// cleanBundle undoes what a dead hod's run left: its processes, the
// runtime's state, the bundle's mounts and the container mount it held.
// It fails, keeping the directory, if a mount in it cannot be released.
func cleanBundle(c *container.Container, dir string) error {
	logrus.Debugf("cleaning up after a killed run in %s: %s", c.Name, dir)
	stopProcesses(dir)
	if rt := runtimeOf(dir); rt != nil {
		rt("delete", "--force", filepath.Base(dir))
	}
	for _, m := range []string{"netns", "rootfs"} {
		if err := mount.Release(filepath.Join(dir, m)); err != nil {
			return err
		}
	}
	// The mount points it made go unless another run still uses them.
	return locked(c, func() error {
		root, err := c.Mount()
		if err != nil {
			return err
		}
		defer c.Unmount(false) //nolint:errcheck // a failed unmount leaves a mount, not a wrong image
		return removeTargets(c, root, dir)
	})
}

// Reap cleans up after runs in c whose hod was killed.
func Reap(c *container.Container) error {
	return lease.ReapRuns(roots(c.Store()), bundlePrefix(c), lease.Handlers{
		Run: func(string) (func(string) error, bool) {
			return func(dir string) error { return cleanBundle(c, dir) }, true
		},
		Unmount: func(id string) error { _ = c.Unmount(false); return nil },
	})
}

// Reaper is lease.Reap's handler of dead run bundles in store: the
// cleanup of the container a bundle prefix names, if it is store's.
func Reaper(store cstorage.Store) func(prefix string) (func(dir string) error, bool) {
	return func(prefix string) (func(dir string) error, bool) {
		c, err := container.Open(store, strings.TrimSuffix(prefix, "-"))
		if err != nil {
			return nil, false // another store's, or its container is gone
		}
		return func(dir string) error { return cleanBundle(c, dir) }, true
	}
}

func roots(store cstorage.Store) lease.Roots {
	return lease.Roots{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot()}
}

// Stop ends every run in c before c is removed: live runs' processes are
// killed (their hod then exits with the status, and cleans up), then
// killed runs are reaped. It waits at most stopWait for live runs to end.
func Stop(c *container.Container) error {
	deadline := time.Now().Add(stopWait)
	for _, dir := range bundles(c) {
		if !lease.Live(dir) {
			continue
		}
		// Killed again until the run ends: a run still starting has no
		// runtime container (or child) yet when the first kill comes, and
		// would otherwise go on to run its command.
		for i := 0; lease.Live(dir); i++ {
			if i%5 == 0 {
				stopProcesses(dir)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("stop the run in %s: %s is still running", c.Name, strconv.Quote(dir))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return Reap(c)
}

// bundles are the bundle directories of c's runs, live or not.
func bundles(c *container.Container) []string {
	return lease.RunLeases(roots(c.Store()), bundlePrefix(c))
}

const stopWait = 10 * time.Second

// bundleRoot is where the bundles of runs without a user namespace live.
func bundleRoot(store cstorage.Store) string { return storeconf.RunsDir(store.RunRoot()) }
