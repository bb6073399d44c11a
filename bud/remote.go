package bud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hodbuild/hod/storage/transfer"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/docker/reference"
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
	from, to cacheRepo
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

// newRemoteCache is the build's --cache-from/--cache-to, nil without
// them; it refuses values that name no cache repository.
func newRemoteCache(ctx context.Context, store cstorage.Store, sys *types.SystemContext, rc RemoteCache) (*remoteCache, error) {
	from, err := parseCacheRepo(rc.From)
	if err != nil {
		return nil, err
	}
	to, err := parseCacheRepo(rc.To)
	if err != nil {
		return nil, err
	}
	if rc.TTL < 0 {
		return nil, fmt.Errorf("--cache-ttl %s: must not be negative", rc.TTL)
	}
	if rc.From == "" && rc.To == "" {
		if rc.Mounts {
			return nil, fmt.Errorf("--cache-mounts needs --cache-from or --cache-to")
		}
		return nil, nil
	}
	return &remoteCache{ctx: ctx, store: store, sys: sys, from: from, to: to, ttl: rc.TTL, mounts: rc.Mounts, used: map[string]bool{}}, nil
}

// cacheRepo is a --cache-from or --cache-to value: a repository, and the
// prefix of its cache tags. The value's own tag (REPOSITORY:TAG, which
// buildah refuses) becomes that prefix, TAG-KEY, so the caches of
// branches or pipelines can be kept apart in one repository.
type cacheRepo struct{ repo, prefix string }

// ref is the image a cache entry travels as.
func (c cacheRepo) ref(key string) string { return c.repo + ":" + c.prefix + key }

// maxCachePrefix leaves room for a 64-digit key in a 128-character tag.
const maxCachePrefix = 128 - 64 - 1

func parseCacheRepo(value string) (cacheRepo, error) {
	if value == "" {
		return cacheRepo{}, nil
	}
	bad := func(why string, err error) (cacheRepo, error) {
		return cacheRepo{}, fmt.Errorf("--cache-from/--cache-to %q: %s: %w", value, why, err)
	}
	if strings.Contains(value, "@") {
		return bad("want REPOSITORY[:TAG]", errors.New("a digest names one image, not a cache"))
	}
	named, err := reference.ParseNormalizedNamed(value)
	if err != nil {
		return bad("want REPOSITORY[:TAG] (REGISTRY/NAME)", err)
	}
	c := cacheRepo{repo: named.Name()}
	if tagged, ok := named.(reference.Tagged); ok {
		if len(tagged.Tag()) > maxCachePrefix {
			return bad("want REPOSITORY[:TAG]", fmt.Errorf("the tag is longer than %d characters", maxCachePrefix))
		}
		c.prefix = tagged.Tag() + "-"
	}
	return c, nil
}

// fetch pulls the step's image from --cache-from; a miss is no error.
func (r *remoteCache) fetch(key string) (id, name string, ok bool) {
	if r == nil || r.from.repo == "" {
		return "", "", false
	}
	name = r.from.ref(key)
	img, err := transfer.Pull(r.ctx, r.store, r.sys, "docker://"+name, transfer.PullOptions{Policy: transfer.PullAlways})
	if err != nil {
		logrus.Debugf("cache-from %s: %v", name, err)
		return "", "", false
	}
	if r.ttl > 0 && time.Since(img.Created) > r.ttl {
		logrus.Debugf("cache-from %s: older than --cache-ttl %s", name, r.ttl)
		return "", "", false
	}
	return img.ID, name, true
}

// publish pushes the step's image to --cache-to in the background while
// the build goes on; wait collects them. A failure is a warning, as the
// build itself succeeded. Pushes go one at a time, in step order: a step's
// image holds all the layers of the step before it, so each push uploads
// one new layer and finds the rest there. Concurrent pushes uploaded the
// shared layers again, and docker-registry's filesystem storage rewrites a
// blob's link file in place on each upload, so a manifest checked at that
// moment failed with "digest invalid".
func (r *remoteCache) publish(id, key string) string {
	if r == nil || r.to.repo == "" {
		return ""
	}
	name := r.to.ref(key)
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
		if _, err := transfer.Push(r.ctx, r.store, r.sys, id, "docker://"+name, transfer.PushOptions{}); err != nil {
			logrus.Warnf("cache-to %s: %v", name, err)
		}
	}()
	return name
}

// wait waits for the pushes publish started.
func (r *remoteCache) wait() {
	if r != nil {
		r.pushes.Wait()
	}
}
