package bud

import (
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/hodbuild/hod/storage/transfer"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/chrootarchive"
)

// Cache mounts (RUN --mount=type=cache) travel with --cache-mounts: each
// one the build used is pushed to --cache-to as a one-layer image tagged
// mount-NAME (NAME: the cache directory's name, 32 hex digits of the id's
// hash), and one a build is about to use is filled from --cache-from when
// it is empty on this machine. The images carry a fixed timestamp, so an
// unchanged cache pushes no new blob.

// cacheRoot is where a store keeps cache mounts' directories.
func (b *builder) cacheRoot() string { return storeconf.CacheDir(b.store.GraphRoot()) }

// mountTag is the tag a cache mount travels under.
func mountTag(id string) string { return "mount-" + mount.CacheName(id) }

// useCacheMount notes that the build uses cache id, first filling its
// directory from --cache-from if it is empty here.
func (b *builder) useCacheMount(id string) {
	r := b.cache.remote
	if r == nil || !r.mounts {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.used[id] {
		return
	}
	r.used[id] = true
	dir := filepath.Join(b.cacheRoot(), mount.CacheName(id))
	if r.from.repo == "" || !emptyDir(dir) {
		return
	}
	if err := b.importCacheMount(r.from.ref(mountTag(id)), dir); err != nil {
		logrus.Debugf("cache-from, cache mount %s: %v", id, err)
	}
}

func (b *builder) importCacheMount(name, dir string) error {
	return b.withTemporary("docker://"+name, transfer.PullAlways, func(_ *container.Container, root string) error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return chrootarchive.NewArchiver(nil).CopyWithTar(root, dir)
	})
}

// exportCacheMounts pushes the cache mounts the build used to --cache-to
// (the build's own context has ended by then: the remote cache keeps the
// caller's); a failure is a warning, as the build itself succeeded.
func (b *builder) exportCacheMounts() {
	r := b.cache.remote
	if r == nil || !r.mounts || r.to.repo == "" {
		return
	}
	ids := make([]string, 0, len(r.used))
	for id := range r.used {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		name := r.to.ref(mountTag(id))
		if err := b.exportCacheMount(filepath.Join(b.cacheRoot(), mount.CacheName(id)), name); err != nil {
			logrus.Warnf("cache-to, cache mount %s (%s): %v", id, name, err)
		}
	}
}

func (b *builder) exportCacheMount(dir, name string) error {
	return b.withTemporary("scratch", "", func(c *container.Container, root string) error {
		if err := chrootarchive.NewArchiver(nil).CopyWithTar(dir, root); err != nil {
			return err
		}
		epoch := time.Unix(0, 0).UTC()
		id, err := commit.Commit(b.cache.remote.ctx, c, "", commit.Options{Timestamp: &epoch, OmitHistory: true})
		if err != nil {
			return err
		}
		defer storage.Remove(b.store, id, true) //nolint:errcheck // an unnamed image the next prune removes
		_, err = transfer.Push(b.cache.remote.ctx, b.store, b.opts.Sys, id, "docker://"+name, transfer.PushOptions{})
		return err
	})
}

// withTemporary runs f on a mounted helper container from image, then
// removes the container and the image it came from.
func (b *builder) withTemporary(image string, pull transfer.PullPolicy, f func(c *container.Container, root string) error) error {
	c, err := container.From(b.cache.remote.ctx, b.store, b.opts.Sys, image, container.Options{Pull: transfer.PullOptions{Policy: pull}, Journal: b.journal})
	if err != nil {
		return err
	}
	defer b.dropTemporary(c)
	root, err := c.Mount()
	if err != nil {
		return err
	}
	defer c.Unmount(false) //nolint:errcheck // removed right after
	return f(c, root)
}

// dropTemporary removes a helper container and the image it came from.
func (b *builder) dropTemporary(c *container.Container) {
	image := c.FromImageID
	if err := c.Delete(); err != nil {
		logrus.Debugf("remove %s: %v", c.Name, err)
	}
	if image != "" {
		_, _ = storage.Remove(b.store, image, false)
	}
}

func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err != nil || len(entries) == 0
}
