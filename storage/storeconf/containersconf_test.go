package storeconf

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// Files whose only mention of a key is commented out are skipped; a set
// key is read whatever its quoting, and a later file overrides an earlier.
func TestReadContainersConf(t *testing.T) {
	dir := t.TempDir()
	vendor := filepath.Join(dir, "vendor.conf")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(vendor, []byte("[containers]\n# netns = \"host\"\n[engine]\n  #image_copy_tmp_dir = \"/x\"\n"), 0o644))
	if mentionsKeys(mustRead(t, vendor)) {
		t.Error("a file with the keys only in comments counts as setting them")
	}
	set := filepath.Join(dir, "set.conf")
	must(os.WriteFile(set, []byte("[containers]\n\"netns\" = \"host\"\ndefault_capabilities = [\n  \"CHOWN\",\n  \"KILL\"\n]\n[engine]\nimage_copy_tmp_dir = \"storage\" # comment\n"), 0o644))
	t.Setenv("CONTAINERS_CONF", set)
	conf := readContainersConf()
	if conf.Containers.Netns != "host" || conf.Engine.ImageCopyTmpDir != "storage" || !slices.Equal(conf.Containers.DefaultCapabilities, []string{"CHOWN", "KILL"}) {
		t.Errorf("read %+v from %s", conf, set)
	}
	t.Setenv("CONTAINERS_CONF", vendor)
	if conf := readContainersConf(); !reflect.DeepEqual(conf, ContainersConfig{}) {
		t.Errorf("read %+v from a file of comments", conf)
	}
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
