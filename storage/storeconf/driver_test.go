package storeconf

import (
	"reflect"
	"testing"
)

// Native overlay where the kernel has it in user namespaces, else
// fuse-overlayfs, else vfs.
func TestChooseDriver(t *testing.T) {
	for _, c := range []struct {
		major, minor int
		fuse         string
		driver       string
		opts         []string
	}{
		{6, 1, "", "overlay", nil},
		{5, 13, "/usr/bin/fuse-overlayfs", "overlay", nil},
		{5, 10, "/usr/bin/fuse-overlayfs", "overlay", []string{"overlay.mount_program=/usr/bin/fuse-overlayfs"}},
		{4, 19, "", "vfs", nil},
	} {
		d, o := chooseDriver(c.major, c.minor, c.fuse)
		if d != c.driver || !reflect.DeepEqual(o, c.opts) {
			t.Errorf("kernel %d.%d, fuse %q: %s %v; want %s %v", c.major, c.minor, c.fuse, d, o, c.driver, c.opts)
		}
	}
}
