package catalog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/hodbuild/hod/storage/storetest"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/storage/pkg/archive"
	stypes "go.podman.io/storage/types"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The catalog reads what containers/storage itself reports: the same
// images (names, digest, created), sizes, layers, containers, big data,
// container lookups and mounts. A store with an incomplete layer or a
// killed writer's journal is handed over.
func TestCatalogAgreesWithContainersStorage(t *testing.T) {
	store := storetest.New(t)
	tarball := func(name string) *bytes.Reader {
		var buf bytes.Buffer
		rd, err := archive.Generate(name, "content of "+name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := buf.ReadFrom(rd); err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(buf.Bytes())
	}
	base, _, err := store.PutLayer("", "", nil, "", false, nil, tarball("a"))
	if err != nil {
		t.Fatal(err)
	}
	top, _, err := store.PutLayer("", base.ID, nil, "", false, nil, tarball("b"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := store.CreateImage("", []string{"localhost/one:1", "localhost/one:latest"}, top.ID, `{"m":1}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetImageBigData(img.ID, "manifest", []byte(`{"schemaVersion":2}`), manifest.Digest); err != nil {
		t.Fatal(err)
	}
	if err := store.SetImageBigData(img.ID, "sha256:0123", []byte(`{"config":{}}`), nil); err != nil {
		t.Fatal(err)
	}
	ctrA, err := store.CreateContainer("", []string{"alpha"}, img.ID, "", `{"kind":"hod"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateContainer("", []string{"beta"}, "", "", "", nil); err != nil {
		t.Fatal(err)
	}
	mnt, err := store.Mount(ctrA.ID, "")
	if err != nil {
		t.Fatal(err)
	}

	cat, err := Open(stypes.StoreOptions{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot(), GraphDriverName: store.GraphDriverName()})
	if err != nil {
		t.Fatal(err)
	}
	images, err := cat.Images()
	if err != nil || len(images) != 1 {
		t.Fatalf("images: %v, %v", images, err)
	}
	got := images[0]
	want, _ := store.Image(img.ID)
	if got.ID != want.ID || !slices.Equal(got.Names, want.Names) || got.Digest != want.Digest.String() || !got.Created.Equal(want.Created) || got.TopLayer != want.TopLayer {
		t.Errorf("image %+v, containers/storage has %+v", got, want)
	}
	layers, err := cat.Layers()
	if err != nil || len(layers) != 4 { // two, and each container's
		t.Fatalf("layers: %v, %v", layers, err)
	}
	size, err := ImageSizes(layers)(got)
	wantSize, _ := store.ImageSize(img.ID)
	if err != nil || size != wantSize {
		t.Errorf("size %d, %v; containers/storage says %d", size, err, wantSize)
	}
	if data, err := cat.ImageBigData(img.ID, "sha256:0123"); err != nil || string(data) != `{"config":{}}` {
		t.Errorf("config big data %q, %v", data, err)
	}
	containers, err := cat.Containers()
	if err != nil || len(containers) != 2 {
		t.Fatalf("containers: %v, %v", containers, err)
	}
	for _, name := range []string{"alpha", ctrA.ID, ctrA.ID[:6]} {
		c, ok := FindContainer(containers, name)
		if !ok || c.ID != ctrA.ID || c.LayerID != ctrA.LayerID || c.Metadata != ctrA.Metadata {
			t.Errorf("FindContainer(%q) = %+v, %v", name, c, ok)
		}
	}
	if _, ok := FindContainer(containers, "gamma"); ok {
		t.Error("an unknown name was found")
	}
	mounts, err := cat.Mounts()
	if err != nil || !slices.ContainsFunc(mounts, func(m Mount) bool { return m.ID == ctrA.LayerID && m.Path == mnt && m.Count == 1 }) {
		t.Errorf("mounts %+v, %v; want %s at %s", mounts, err, ctrA.LayerID, mnt)
	}
}

// A store with a writer's journal entry (a killed writer's, or a live
// one's) is the full binary's: its store open cleans up after the dead.
func TestCatalogHandsOverWhileWritersAreAround(t *testing.T) {
	store := storetest.New(t)
	so := stypes.StoreOptions{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot(), GraphDriverName: store.GraphDriverName()}
	if _, err := Open(so); err != nil {
		t.Fatalf("an idle store: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(storeconf.JournalDir(store.GraphRoot()), storeconf.JournalPrefix+"x-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(so); !errors.Is(err, ErrHandOver) {
		t.Fatalf("a store with a journal: %v, want ErrHandOver", err)
	}
}

// The catalog fails closed: what it does not know exactly is handed over,
// never read as "nothing".
func TestCatalogFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name string
		mess func(t *testing.T, root string)
	}{
		{"unknown key in a record", func(t *testing.T, root string) {
			rewrite(t, filepath.Join(root, "vfs-images", "images.json"), `"id"`, `"new-key":1,"id"`)
		}},
		{"unknown file beside the records", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "vfs-images", "images-v2.json"), "[]")
		}},
		{"records file moved away", func(t *testing.T, root string) {
			if err := os.Rename(filepath.Join(root, "vfs-images", "images.json"), filepath.Join(root, "images.json.moved")); err != nil {
				t.Fatal(err)
			}
		}},
		{"container records moved away", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "vfs-containers", "containers.json")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := storetest.New(t)
			layer, _, err := store.PutLayer("", "", nil, "", false, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			img, err := store.CreateImage("", []string{"localhost/x"}, layer.ID, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.SetImageBigData(img.ID, "manifest", []byte(`{}`), manifest.Digest); err != nil {
				t.Fatal(err)
			}
			if _, err := store.CreateContainer("", []string{"c"}, img.ID, "", "", nil); err != nil {
				t.Fatal(err)
			}
			cat, err := Open(stypes.StoreOptions{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot(), GraphDriverName: "vfs"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cat.Images(); err != nil {
				t.Fatalf("before: %v", err)
			}
			tc.mess(t, store.GraphRoot())
			_, err1 := cat.Images()
			_, err2 := cat.Containers()
			if !errors.Is(err1, ErrHandOver) && !errors.Is(err2, ErrHandOver) {
				t.Errorf("read as if nothing were wrong: images %v, containers %v", err1, err2)
			}
		})
	}
	// A store opened but never written has locks and no records: empty.
	store := storetest.New(t)
	cat, err := Open(stypes.StoreOptions{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot(), GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	if images, err := cat.Images(); err != nil || len(images) != 0 {
		t.Errorf("an empty store: %v, %v", images, err)
	}
}

// Store options the catalog does not model hand the call over.
func TestOpenHandsOverUnknownOptions(t *testing.T) {
	store := storetest.New(t)
	for opt, served := range map[string]bool{
		"overlay.mountopt=nodev": true, "overlay.ignore_chown_errors=true": true,
		"overlay.additionallayerstore=/x": false, "overlay.imagestore=/y": false, "overlay.use_composefs=true": false, "overlay.newthing=1": false,
	} {
		_, err := Open(stypes.StoreOptions{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot(), GraphDriverName: "vfs", GraphDriverOptions: []string{opt}})
		if (err == nil) != served || err != nil && !errors.Is(err, ErrHandOver) {
			t.Errorf("%s: %v, want served %v", opt, err, served)
		}
	}
}

func write(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func rewrite(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %s", file, old)
	}
	write(t, file, string(bytes.Replace(data, []byte(old), []byte(new), 1)))
}
