package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storeconf"

	"github.com/hodbuild/hod/storage/storetest"
	"go.podman.io/storage/pkg/archive"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// A killed write that noted a chain of layers leaves none of them: the
// journal lists them in name order, parents before children here, and a
// parent is unreferenced only once its child has gone.
func TestReapWritesChain(t *testing.T) {
	store := storetest.New(t)
	empty, err := archive.Generate()
	if err != nil {
		t.Fatal(err)
	}
	var tarball bytes.Buffer
	if _, err := tarball.ReadFrom(empty); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(journalRoot(store), storeconf.JournalPrefix+"dead")
	if err := os.MkdirAll(dead, 0o700); err != nil {
		t.Fatal(err)
	}
	parent := ""
	for _, c := range []string{"a", "b", "c"} {
		id := strings.Repeat(c, 64)
		if _, _, err := store.PutLayer(id, parent, nil, "", false, nil, bytes.NewReader(tarball.Bytes())); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dead, "layer-"+id), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		parent = id
	}
	if err := lease.Reap(Roots(store), lease.Handlers{Write: ReapWrites(store), Unmount: Unmount(store)}); err != nil {
		t.Fatal(err)
	}
	layers, err := store.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		t.Errorf("layer %s, noted by a killed write and unreferenced, is left", l.ID)
	}
}
