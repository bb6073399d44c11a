package bud

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	cstorage "go.podman.io/storage"
)

// cache maps step keys to the images (checkpoints) that steps made. A key
// is recorded in the image's containers/storage metadata, so the cache is
// the store itself: removing an image removes its entry.
type cache struct {
	images  cstorage.Store
	enabled bool
	remote  *remoteCache
	mu      sync.Mutex // stages are built concurrently
	byKey   map[string]string
	entries []cacheMeta
}

// cacheMeta is what a cached step's image records: its key, and the parts
// of it that explain a later miss (never a secret: secrets are in no key).
type cacheMeta struct {
	Key    string   `json:"hod.cache-key"`
	Parent string   `json:"hod.cache-parent,omitempty"`
	Step   string   `json:"hod.cache-step,omitempty"`
	Inputs []string `json:"hod.cache-inputs,omitempty"`
}

// step identifies a layer-making step for the cache: what came before it,
// the instruction, and its inputs (build args, content digests, flags).
type step struct {
	parent, text string
	inputs       []string
}

func (s step) key() string { return digestOf(append([]string{s.parent, s.text}, s.inputs...)...) }

// newCache reads the cache from the store; with a ttl, images created
// longer ago are left out (buildah's --cache-ttl, which reads the image's
// creation time: a build with --timestamp in the past is out at once).
func newCache(store cstorage.Store, enabled bool, ttl time.Duration) *cache {
	c := &cache{images: store, enabled: enabled, byKey: map[string]string{}}
	if !enabled {
		return c
	}
	images, err := store.Images()
	if err != nil {
		logrus.Debugf("build cache unavailable: %v", err)
		return c
	}
	for _, img := range images {
		if ttl > 0 && time.Since(img.Created) > ttl {
			continue
		}
		var m cacheMeta
		if json.Unmarshal([]byte(img.Metadata), &m) == nil && m.Key != "" {
			c.byKey[m.Key] = img.ID
			c.entries = append(c.entries, m)
		}
	}
	return c
}

// lookup finds a step's image: in the store, or pulled from --cache-from
// (then pulled names the reference it came from).
func (c *cache) lookup(s step) (id, pulled string, ok bool) {
	if !c.enabled {
		return "", "", false
	}
	c.mu.Lock()
	id, ok = c.byKey[s.key()]
	c.mu.Unlock()
	if ok {
		logrus.Debugf("build cache hit for %q: %s", s.text, id)
		// buildah's debug line for a hit found before the step ran
		// (scripts and its tests look for it): hod's hits always are.
		logrus.Debugf("Found a cache hit in the first iteration with id %s", id)
		return id, "", true
	}
	// Outside the lock: stages built at once may fetch at once.
	id, pulled, ok = c.remote.fetch(s.key())
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok {
		logrus.Debugf("build cache hit for %q in --cache-from: %s", s.text, id)
		c.record(id, s)
		return id, pulled, true
	}
	logrus.Debugf("build cache miss for %q: %s", s.text, c.explain(s))
	return "", "", false
}

// hitMessage is buildah's line for a cache hit.
func hitMessage(id, pulled string) string {
	if pulled != "" {
		return "--> Cache pulled from remote " + pulled + "\n"
	}
	return "--> Using cache " + id + "\n"
}

// explain says why a step missed, from the steps cached before.
func (c *cache) explain(s step) string {
	sameText := false
	for _, e := range c.entries {
		if e.Step != s.text {
			continue
		}
		sameText = true
		if e.Parent == s.parent {
			return fmt.Sprintf("its inputs changed (cached: %v, now: %v)", e.Inputs, s.inputs)
		}
	}
	if sameText {
		return "an earlier step or the base image changed"
	}
	return "the step was not built before"
}

// share pushes a step's image found in the local cache to --cache-to, as
// buildah does (it cannot know whether the registry has it); it returns
// buildah's line for the push ("" if none).
func (c *cache) share(id string, s step) string {
	if ref := c.remote.publish(id, s.key()); ref != "" {
		return "--> Pushing cache " + ref + "\n"
	}
	return ""
}

// store records step s's image, and pushes it with --cache-to; it
// returns buildah's line for the push ("" if none).
func (c *cache) store(id string, s step) string {
	if !c.enabled {
		return ""
	}
	c.mu.Lock()
	c.record(id, s)
	c.mu.Unlock()
	if ref := c.remote.publish(id, s.key()); ref != "" {
		return "--> Pushing cache " + ref + "\n"
	}
	return ""
}

// record notes id as step s's image, in its metadata and the index; the
// caller holds c.mu.
func (c *cache) record(id string, s step) {
	key := s.key()
	meta := cacheMeta{Key: key, Parent: s.parent, Step: s.text, Inputs: s.inputs}
	data, _ := json.Marshal(meta)
	if err := c.images.SetMetadata(id, string(data)); err != nil {
		logrus.Debugf("record build cache key: %v", err)
	}
	c.byKey[key] = id
	c.entries = append(c.entries, meta)
}

func digestOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// usedArgs are the ARGs (name=value) a piece of Dockerfile text refers to.
func usedArgs(text string, args map[string]string) []string {
	var used []string
	for _, k := range keys(args) {
		if strings.Contains(text, "$"+k) || strings.Contains(text, "${"+k) {
			used = append(used, k+"="+args[k])
		}
	}
	return used
}
