package rebase

import (
	"reflect"
	"testing"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The three-way merge: what the image inherited unchanged follows the new
// base, what it changed, added or removed stays its own.
func TestMergeConfig(t *testing.T) {
	old := ispec.ImageConfig{User: "root", WorkingDir: "/", Env: []string{"PATH=/bin", "A=1", "GONE=x"}, Cmd: []string{"sh"},
		Labels: map[string]string{"base": "1", "kept": "k", "dropped": "d"}}
	img := ispec.ImageConfig{User: "app", WorkingDir: "/", Env: []string{"PATH=/bin", "A=1", "APP=1"}, Cmd: []string{"sh"},
		Labels: map[string]string{"base": "1", "kept": "mine", "app": "y"}}
	newBase := ispec.ImageConfig{User: "nobody", WorkingDir: "/srv", Env: []string{"PATH=/usr/bin:/bin", "A=2", "GONE=x", "NEW=n"}, Cmd: []string{"bash"},
		Labels: map[string]string{"base": "2", "kept": "k2", "dropped": "d", "added": "a"}}
	got := mergeConfig(old, img, newBase)
	want := ispec.ImageConfig{User: "app", WorkingDir: "/srv", Env: []string{"PATH=/usr/bin:/bin", "A=2", "NEW=n", "APP=1"}, Cmd: []string{"bash"},
		Labels: map[string]string{"base": "2", "kept": "mine", "added": "a", "app": "y"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged\n%+v\nwant\n%+v", got, want)
	}
}
