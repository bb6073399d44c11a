package commit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hodbuild/hod/container/state"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage/storetest"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	cstorage "go.podman.io/storage"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var newStore = storetest.New

// scratchWith creates a working container from scratch holding files.
func scratchWith(t *testing.T, store cstorage.Store, files map[string]string) *container.Container {
	t.Helper()
	c, err := container.From(context.Background(), store, nil, "scratch", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, c, files)
	return c
}

func writeFiles(t *testing.T, c *container.Container, files map[string]string) {
	t.Helper()
	root, err := c.Mount()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Unmount(false) //nolint:errcheck
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// validateImage checks what every consumer of an image relies on: the
// manifest names the stored config by digest, the config's diff IDs are the
// layers' digests in order, and history has one non-empty entry per layer.
func validateImage(t *testing.T, store cstorage.Store, id string) (ispec.Image, ispec.Manifest) {
	t.Helper()
	img, err := store.Image(id)
	if err != nil {
		t.Fatal(err)
	}
	rawManifest, err := store.ImageBigData(id, cstorage.ImageDigestBigDataKey)
	if err != nil {
		t.Fatal(err)
	}
	if d := digest.FromBytes(rawManifest); d != img.Digest {
		t.Errorf("image digest %s, manifest digest %s", img.Digest, d)
	}
	var m ispec.Manifest
	mustUnmarshal(t, rawManifest, &m)
	rawConfig, err := store.ImageBigData(id, m.Config.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	if digest.FromBytes(rawConfig) != m.Config.Digest || int64(len(rawConfig)) != m.Config.Size || m.Config.Digest.Encoded() != id {
		t.Errorf("config descriptor %+v does not match the stored config / image ID %s", m.Config, id)
	}
	var cfg ispec.Image
	mustUnmarshal(t, rawConfig, &cfg)
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		t.Fatalf("%d diff IDs for %d layers", len(cfg.RootFS.DiffIDs), len(m.Layers))
	}
	for i, l := range m.Layers {
		if l.Digest != cfg.RootFS.DiffIDs[i] {
			t.Errorf("layer %d digest %s, diff ID %s", i, l.Digest, cfg.RootFS.DiffIDs[i])
		}
	}
	nonEmpty := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != len(m.Layers) {
		t.Errorf("%d non-empty history entries for %d layers", nonEmpty, len(m.Layers))
	}
	return cfg, m
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestCommitThenBuildOn(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	c := scratchWith(t, store, map[string]string{"a": "1"})
	if err := c.Apply(state.Env("A", "1"), state.Entrypoint([]string{"/a"})); err != nil {
		t.Fatal(err)
	}
	id, err := Commit(ctx, c, "localhost/one:1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := validateImage(t, store, id)
	if cfg.Config.Entrypoint[0] != "/a" || cfg.Config.Env[0] != "A=1" || len(cfg.History) != 2 {
		t.Errorf("config = %+v, history %d", cfg.Config, len(cfg.History))
	}
	c2, err := container.From(ctx, store, nil, "localhost/one:1", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, c2, map[string]string{"b": "2"})
	id2, err := Commit(ctx, c2, "", Options{Format: FormatDocker})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := store.ImageBigData(id2, cstorage.ImageDigestBigDataKey)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ MediaType string }
	mustUnmarshal(t, ref, &m)
	if m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
		t.Errorf("docker format manifest type %q", m.MediaType)
	}
}

func TestCheckpointAddsLayers(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	c := scratchWith(t, store, map[string]string{"a": "1"})
	if _, err := Checkpoint(ctx, c, Options{}); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, c, map[string]string{"b": "2"})
	id, err := Commit(ctx, c, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, m := validateImage(t, store, id)
	if len(m.Layers) != 2 {
		t.Fatalf("%d layers after a checkpoint, want 2", len(m.Layers))
	}
	first, err := store.LayersByUncompressedDigest(m.Layers[0].Digest)
	if err != nil || len(first) == 0 {
		t.Fatalf("first layer: %v", err)
	}
	changes, err := store.Changes("", first[0].ID)
	if err != nil || len(changes) != 1 || changes[0].Path != "/a" {
		t.Errorf("first layer changes = %v, %v; want only /a", changes, err)
	}
}

func TestTimestampReproducible(t *testing.T) {
	ctx := context.Background()
	epoch := time.Unix(0, 0)
	var ids []string
	for i := range 2 {
		store := newStore(t)
		c := scratchWith(t, store, map[string]string{"f": "same"})
		root, _ := c.Mount()
		when := time.Now().Add(time.Duration(i) * time.Hour)
		_ = os.Chtimes(filepath.Join(root, "f"), when, when)
		_ = c.Unmount(false)
		id, err := Commit(ctx, c, "", Options{Timestamp: &epoch})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if ids[0] != ids[1] {
		t.Errorf("same inputs with --timestamp gave images %s and %s", ids[0], ids[1])
	}
}

func TestBadFormatLeavesNothing(t *testing.T) {
	store := newStore(t)
	c := scratchWith(t, store, map[string]string{"a": "1"})
	before, _ := store.Layers()
	if _, err := Commit(context.Background(), c, "localhost/x", Options{Format: "bogus"}); err == nil {
		t.Fatal("commit with format bogus succeeded")
	}
	after, _ := store.Layers()
	images, _ := store.Images()
	if len(after) != len(before) || len(images) != 0 {
		t.Errorf("failed commit left %d layers (was %d) and %d images", len(after), len(before), len(images))
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatOCI, "oci": FormatOCI, "docker": FormatDocker, "v2s2": FormatDocker} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseFormat("tar"); err == nil {
		t.Error("ParseFormat(tar) accepted")
	}
}
