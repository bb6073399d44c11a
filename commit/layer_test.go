package commit

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/storetest"
	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"
)

// Both write routes (one pass through overlay's staging directory, two
// passes on vfs) must give a layer named by its chain ID whose stored
// stream (tar-split plus files) hashes to the diff ID the image records,
// with the owners containers/storage keeps, and nothing left staged.
func TestLayerRoutes(t *testing.T) {
	for _, driver := range []string{"overlay", "vfs"} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			store := storetest.WithDriver(t, driver)
			base := scratchWith(t, store, map[string]string{"gone": "x", "kept": "y"})
			if _, err := Commit(ctx, base, "localhost/base", Options{}); err != nil {
				t.Fatal(err)
			}
			c, err := container.From(ctx, store, nil, "localhost/base", container.Options{})
			if err != nil {
				t.Fatal(err)
			}
			root, err := c.Mount()
			if err != nil {
				t.Fatal(err)
			}
			must(t, os.Remove(filepath.Join(root, "gone")))
			must(t, os.WriteFile(filepath.Join(root, "owned"), []byte("z"), 0o600))
			must(t, os.Lchown(filepath.Join(root, "owned"), 1000, 2000))
			must(t, c.Unmount(false))
			id, err := Commit(ctx, c, "localhost/top", Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg, _ := validateImage(t, store, id)
			img, err := store.Image(id)
			if err != nil {
				t.Fatal(err)
			}
			top, err := store.Layer(img.TopLayer)
			if err != nil {
				t.Fatal(err)
			}
			diffID := cfg.RootFS.DiffIDs[1]
			if top.ID != storage.LayerID(top.Parent, diffID) || top.UncompressedDigest != diffID {
				t.Errorf("layer %s (digest %s) for diff ID %s on %s", top.ID, top.UncompressedDigest, diffID, top.Parent)
			}
			if got := streamDigest(t, store, top.ID); got != diffID {
				t.Errorf("stored stream hashes to %s, diff ID %s", got, diffID)
			}
			if !slices.Contains(top.UIDs, 1000) || !slices.Contains(top.GIDs, 2000) {
				t.Errorf("layer owners %v/%v, want 1000/2000 among them", top.UIDs, top.GIDs)
			}
			if left, _ := os.ReadDir(filepath.Join(store.GraphRoot(), driver, "staging")); len(left) > 0 {
				t.Errorf("%d staging directories left", len(left))
			}
			// The same changes again reuse the layer.
			again, err := Commit(ctx, c, "", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if img2, _ := store.Image(again); img2 == nil || img2.TopLayer != top.ID {
				t.Errorf("second commit of the same changes did not reuse layer %s", top.ID)
			}
		})
	}
}

func streamDigest(t *testing.T, store cstorage.Store, layer string) digest.Digest {
	t.Helper()
	rc, err := store.Diff("", layer, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	d := digest.Canonical.Digester()
	if _, err := io.Copy(d.Hash(), rc); err != nil {
		t.Fatal(err)
	}
	return d.Digest()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Commits of identical changes at once (parallel build stages) give one
// layer: the later one reuses it rather than replacing its files.
func TestConcurrentIdenticalLayers(t *testing.T) {
	ctx := context.Background()
	store := storetest.WithDriver(t, "overlay")
	epoch := time.Unix(0, 0)
	const n = 4
	ids := make([]string, n)
	errs := make([]error, n)
	var cs []*container.Container
	for range n {
		cs = append(cs, scratchWith(t, store, map[string]string{"same": "content"}))
	}
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { ids[i], errs[i] = Commit(ctx, c, "", Options{Timestamp: &epoch}) })
	}
	wg.Wait()
	layers := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		img, err := store.Image(ids[i])
		if err != nil {
			t.Fatal(err)
		}
		layers[img.TopLayer] = true
	}
	if len(layers) != 1 {
		t.Errorf("%d commits of identical changes made %d layers", n, len(layers))
	}
	for l := range layers {
		if got, want := streamDigest(t, store, l), mustLayer(t, store, l).UncompressedDigest; got != want {
			t.Errorf("shared layer's stream hashes to %s, recorded %s", got, want)
		}
	}
}

func mustLayer(t *testing.T, store cstorage.Store, id string) *cstorage.Layer {
	t.Helper()
	l, err := store.Layer(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
