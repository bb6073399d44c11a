package manifest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hodbuild/hod/storage/storetest"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/manifest"
	cstorage "go.podman.io/storage"
)

// A list's instances are read from buildah's instances.json (references)
// and from the hod-instances item of lists older hods made (bare IDs), and
// saved in buildah's format.
func TestListInstances(t *testing.T) {
	store := storetest.New(t)
	id := strings.Repeat("c", 64)
	local, remote, legacy := digest.Digest("sha256:"+strings.Repeat("1", 64)), digest.Digest("sha256:"+strings.Repeat("2", 64)), digest.Digest("sha256:"+strings.Repeat("3", 64))
	for _, c := range []struct {
		key   string
		items map[digest.Digest]string
		want  map[digest.Digest]string // "": not a local image
	}{
		{instancesKey, map[digest.Digest]string{"": "list", local: "containers-storage:[overlay@/r+/run]@" + id, remote: "docker://registry.example/x:1"},
			map[digest.Digest]string{local: id, remote: ""}},
		{legacyInstancesKey, map[digest.Digest]string{legacy: id}, map[digest.Digest]string{legacy: id}},
	} {
		img, err := store.CreateImage("", nil, "", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		items, _ := json.Marshal(c.items)
		setBigData(t, store, img.ID, cstorage.ImageDigestBigDataKey, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`))
		setBigData(t, store, img.ID, c.key, items)
		l, err := openList(store, img.ID)
		if err != nil {
			t.Fatal(err)
		}
		for d, want := range c.want {
			if got, ok := l.localImage(d); ok != (want != "") || ok && got != want {
				t.Errorf("%s: instance %s is local image %q (%v), want %q", c.key, d, got, ok, want)
			}
		}
		if err := l.save(); err != nil {
			t.Fatal(err)
		}
		data, err := store.ImageBigData(img.ID, instancesKey)
		if err != nil {
			t.Fatal(err)
		}
		var saved map[string]string
		if err := json.Unmarshal(data, &saved); err != nil || saved[""] != img.ID || len(saved) != len(l.instances)+1 {
			t.Errorf("%s: saved %s (%v), want the list's ID under \"\" and every instance", c.key, data, err)
		}
	}
}

func setBigData(t *testing.T, store cstorage.Store, id, key string, data []byte) {
	t.Helper()
	if err := store.SetImageBigData(id, key, data, manifest.Digest); err != nil {
		t.Fatal(err)
	}
}
