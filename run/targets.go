package run

import (
	"encoding/json"
	"errors"
	"os"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/flock"
	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storeconf"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// sharedTargets are the mount points runs in one container create. Runs
// at once share them: a run must not remove /proc while another run's
// runtime is about to mount there, so the mount points every run created
// are listed in one file, and the last run to finish removes them all.
type sharedTargets struct {
	c      *container.Container
	t      *mount.Targets
	bundle string
}

func newSharedTargets(c *container.Container, root, bundle string) *sharedTargets {
	return &sharedTargets{c: c, t: &mount.Targets{Root: root}, bundle: bundle}
}

// targetsFile lists the mount points runs in c created. It lives in the
// container's run directory, which goes with the container.
func targetsFile(c *container.Container) string {
	dir, err := c.Store().ContainerRunDirectory(c.ID)
	if err != nil {
		dir = bundleRoot(c.Store())
	}
	return storeconf.TargetsFile(dir)
}

// locked runs f holding the container's targets lock.
func locked(c *container.Container, f func() error) error {
	return flock.With(targetsFile(c)+".lock", f)
}

func (s *sharedTargets) Prepare(mounts []rspec.Mount) error {
	return locked(s.c, func() error {
		if err := s.t.Prepare(mounts); err != nil {
			return err
		}
		made := readTargets(s.c)
		t := &mount.Targets{Root: s.t.Root}
		t.Adopt(made)
		t.Adopt(s.t.Made())
		data, err := json.Marshal(t.Made())
		if err != nil {
			return err
		}
		return os.WriteFile(targetsFile(s.c), data, 0o600)
	})
}

// Remove removes every run's mount points unless a run other than this
// bundle's is still going.
func (s *sharedTargets) Remove() {
	_ = locked(s.c, func() error { return removeTargets(s.c, s.t.Root, s.bundle) })
}

func removeTargets(c *container.Container, root, except string) error {
	for _, d := range bundles(c) {
		if d != except && lease.Live(d) {
			return nil
		}
	}
	t := &mount.Targets{Root: root}
	t.Adopt(readTargets(c))
	t.Remove()
	if err := os.Remove(targetsFile(c)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func readTargets(c *container.Container) mount.Made {
	var made mount.Made
	if data, err := os.ReadFile(targetsFile(c)); err == nil {
		_ = json.Unmarshal(data, &made)
	}
	return made
}
