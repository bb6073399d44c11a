package container

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storetest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	cstorage "go.podman.io/storage"
)

// A build killed after From leaves neither the working container nor its
// layer: From notes both in the build's journal before containers/storage
// makes the layer (which it does before it records the container).
func TestFromNotesItsContainer(t *testing.T) {
	store := newStore(t)
	j, err := storage.BeginWrite(store)
	must(t, err)
	c, err := From(context.Background(), store, nil, "scratch", Options{Journal: j})
	must(t, err)
	killAndReap(t, store, j, layerOf(t, store, c.ID))
	if all, _ := store.Containers(); len(all) != 0 {
		t.Errorf("a killed build left %d containers", len(all))
	}
	if all, _ := store.Layers(); len(all) != 0 {
		t.Errorf("a killed build left %d layers", len(all))
	}
}

// A commit --layer killed after it moved the container keeps the moved
// container, and notes the new container's layer before it is made.
func TestRebaseNotesItsLayer(t *testing.T) {
	store := newStore(t)
	c, err := From(context.Background(), store, nil, "scratch", Options{})
	must(t, err)
	img, err := store.CreateImage("", nil, "", "", nil)
	must(t, err)
	j, err := storage.BeginWrite(store)
	must(t, err)
	must(t, c.Rebase(j, img.ID, ispec.RootFS{Type: "layers"}, nil))
	layer := layerOf(t, store, c.ID)
	killAndReap(t, store, j, layer)
	moved, err := Open(store, c.Name)
	must(t, err)
	if moved.ID != c.ID || layerOf(t, store, moved.ID) != layer {
		t.Errorf("the reaper undid a finished move: %s is now %s", c.ID, moved.ID)
	}
}

// killAndReap checks that j notes the container layer, then reaps what a
// kill now would leave.
func killAndReap(t *testing.T, store cstorage.Store, j *storage.Journal, layer string) {
	t.Helper()
	notes := storetest.KillJournals(t, store)
	if _, ok := notes["layer-"+layer]; !ok {
		t.Errorf("the container's layer %s is not noted before it is made: %v", layer, notes)
	}
	j.Done()
	must(t, lease.Reap(storage.Roots(store), lease.Handlers{Write: storage.ReapWrites(store), Unmount: storage.Unmount(store)}))
}

func layerOf(t *testing.T, store cstorage.Store, id string) string {
	t.Helper()
	sc, err := store.Container(id)
	must(t, err)
	return sc.LayerID
}

// A rm killed after containers/storage removed the container's directory
// leaves a record nothing can open; rm removes it, by name or with --all,
// and leaves other tools' containers and whole ones alone.
func TestRemoveRemains(t *testing.T) {
	store := newStore(t)
	var ids []string
	for range 3 {
		c, err := From(context.Background(), store, nil, "scratch", Options{})
		must(t, err)
		ids = append(ids, c.ID)
	}
	for _, id := range ids[:2] {
		must(t, os.RemoveAll(dir(store, id)))
	}
	other, err := store.CreateContainer("", []string{"podmans"}, "", "", `{"podman":1}`, nil)
	must(t, err)
	removed, rest, err := RemoveRemains(store, []string{ids[0], ids[0], ids[2], "podmans"}, false)
	must(t, err)
	if !slices.Equal(removed, ids[:1]) || !slices.Equal(rest, []string{ids[2], "podmans"}) {
		t.Errorf("removed %v, left %v to open", removed, rest)
	}
	removed, rest, err = RemoveRemains(store, nil, true)
	must(t, err)
	if !slices.Equal(removed, ids[1:2]) || len(rest) != 0 {
		t.Errorf("--all removed %v, left %v to open", removed, rest)
	}
	for _, id := range []string{ids[2], other.ID} {
		if _, err := store.Container(id); err != nil {
			t.Errorf("container %s is gone: %v", id, err)
		}
	}
}
