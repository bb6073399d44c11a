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
