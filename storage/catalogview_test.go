package storage

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hodbuild/hod/storage/catalog"
	"github.com/hodbuild/hod/storage/storetest"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/storage/pkg/archive"
	stypes "go.podman.io/storage/types"
)

// The front's catalog reads the same records from the store's files as
// the full binary's view reads through containers/storage.
func TestCatalogMatchesContainersStorage(t *testing.T) {
	store := storetest.New(t)
	rd, err := archive.Generate("f", "data")
	if err != nil {
		t.Fatal(err)
	}
	var tarball bytes.Buffer
	if _, err := tarball.ReadFrom(rd); err != nil {
		t.Fatal(err)
	}
	layer, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(tarball.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	img, err := store.CreateImage("", []string{"localhost/a:1"}, layer.ID, `{"m":1}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetImageBigData(img.ID, "manifest", []byte(`{"schemaVersion":2}`), manifest.Digest); err != nil {
		t.Fatal(err)
	}
	if err := store.SetNames(img.ID, []string{"localhost/a:2"}); err != nil { // a names history
		t.Fatal(err)
	}
	c, err := store.CreateContainer("", []string{"w"}, img.ID, "", `{"kind":"hod"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Mount(c.ID, ""); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(stypes.StoreOptions{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot(), GraphDriverName: store.GraphDriverName()})
	if err != nil {
		t.Fatal(err)
	}
	view := CatalogView(store)
	for name, read := range map[string]func(catalog.Reader) (any, error){
		"images":     func(r catalog.Reader) (any, error) { return r.Images() },
		"layers":     func(r catalog.Reader) (any, error) { return r.Layers() },
		"containers": func(r catalog.Reader) (any, error) { return r.Containers() },
		"mounts":     func(r catalog.Reader) (any, error) { return r.Mounts() },
	} {
		got, err1 := read(cat)
		want, err2 := read(view)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if err1 != nil || err2 != nil || !bytes.Equal(g, w) {
			t.Errorf("%s: the catalog reads\n%s (%v)\ncontainers/storage\n%s (%v)", name, g, err1, w, err2)
		}
	}
	if cat.ContainerDir(c.ID) != view.ContainerDir(c.ID) {
		t.Errorf("container directory %s, containers/storage's view %s", cat.ContainerDir(c.ID), view.ContainerDir(c.ID))
	}
}
