package container

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hodbuild/hod/container/state"
)

func TestParseIDMap(t *testing.T) {
	got, err := ParseIDMap("0:100000:1000,1000:1000:1")
	want := []state.IDMapEntry{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 1000, HostID: 1000, Size: 1}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", "0:1", "0:1:0", "a:1:2", "0:-1:2", "0:1:2:3", "4294967295:0:2", "0:1:2,"} {
		if _, err := ParseIDMap(bad); err == nil {
			t.Errorf("ParseIDMap(%q) accepted", bad)
		}
	}
}

// Ranges of one name, in file order, make consecutive container IDs; a
// name without ranges is an error that says which line to add.
func TestSubIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(file, []byte("other:1:2\nbuild:200000:65536\nbuild:400000:1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := SubIDs(file, "build")
	want := []state.IDMapEntry{{ContainerID: 0, HostID: 200000, Size: 65536}, {ContainerID: 65536, HostID: 400000, Size: 1000}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	if _, err := SubIDs(file, "nobody"); err == nil || !strings.Contains(err.Error(), "nobody:100000:65536") {
		t.Errorf("missing user: %v, want the line to add", err)
	}
}
