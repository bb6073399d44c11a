package bud

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hodbuild/hod/storage"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// remoteCache is bud's --cache-from and --cache-to, as buildah 1.28 does
// them: a step's image is pushed to REPOSITORY:KEY (KEY its cache key, 64
// hex digits) and looked up there when the local cache misses. The image
// keeps its ID through the registry (the config is unchanged), so the next
// step's key, which builds on it, is the same on every machine.
type remoteCache struct {
	ctx      context.Context
	store    cstorage.Store
	sys      *types.SystemContext
	from, to string
	ttl      time.Duration
	mounts   bool // --cache-mounts: cache mounts travel too (mountcache.go)
	mu       sync.Mutex
	used     map[string]bool // cache mount ids the build used
	pushes   sync.WaitGroup
	last     chan struct{} // closed when the newest push has ended
}

// RemoteCache are bud's --cache-from, --cache-to and --cache-ttl.
type RemoteCache struct {
	From, To string
	TTL      time.Duration
	// Mounts shares RUN --mount=type=cache directories the same way.
	Mounts bool
}

func (r *remoteCache) ref(repo, key string) string { return repo + ":" + key }

// fetch pulls the step's image from --cache-from; a miss is no error.
func (r *remoteCache) fetch(key string) (string, bool) {
	if r == nil || r.from == "" {
		return "", false
	}
	name := r.ref(r.from, key)
	img, err := storage.Pull(r.ctx, r.store, r.sys, "docker://"+name, storage.PullOptions{Policy: storage.PullAlways})
	if err != nil {
		logrus.Debugf("cache-from %s: %v", name, err)
		return "", false
	}
	if r.ttl > 0 && time.Since(img.Created) > r.ttl {
		logrus.Debugf("cache-from %s: older than --cache-ttl %s", name, r.ttl)
		return "", false
	}
	return img.ID, true
}

// publish pushes the step's image to --cache-to in the background while
// the build goes on; wait collects them. A failure is a warning, as the
// build itself succeeded. Pushes go one at a time, in step order: a step's
// image holds all the layers of the step before it, so each push uploads
// one new layer and finds the rest there. Concurrent pushes uploaded the
// shared layers again, and docker-registry's filesystem storage rewrites a
// blob's link file in place on each upload, so a manifest checked at that
// moment failed with "digest invalid".
func (r *remoteCache) publish(id, key string) {
	if r == nil || r.to == "" {
		return
	}
	name := r.ref(r.to, key)
	r.mu.Lock()
	prev, done := r.last, make(chan struct{})
	r.last = done
	r.mu.Unlock()
	r.pushes.Add(1)
	go func() {
		defer r.pushes.Done()
		defer close(done)
		if prev != nil {
			<-prev
		}
		if _, err := storage.Push(r.ctx, r.store, r.sys, id, "docker://"+name, storage.PushOptions{}); err != nil {
			logrus.Warnf("cache-to %s: %v", name, err)
		}
	}()
}

// wait waits for the pushes publish started.
func (r *remoteCache) wait() {
	if r != nil {
		r.pushes.Wait()
	}
}

// checkRemoteCache refuses repositories that cannot take a tag.
func checkRemoteCache(rc RemoteCache) error {
	for _, repo := range []string{rc.From, rc.To} {
		if repo == "" {
			continue
		}
		if _, err := storage.NormalizeName(repo + ":" + digestOf("probe")); err != nil {
			return fmt.Errorf("--cache-from/--cache-to %q: want a repository (REGISTRY/NAME): %w", repo, err)
		}
	}
	if rc.Mounts && rc.From == "" && rc.To == "" {
		return fmt.Errorf("--cache-mounts needs --cache-from or --cache-to")
	}
	if rc.TTL < 0 {
		return fmt.Errorf("--cache-ttl %s: must not be negative", rc.TTL)
	}
	return nil
}
