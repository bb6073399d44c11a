package run

import "testing"

// This process's namespace (the host's, or a test's own) maps gid 0 and
// maps no gid past the last one.
func TestGIDMapped(t *testing.T) {
	if !gidMapped(0) {
		t.Error("gid 0 is not mapped in this process's user namespace")
	}
	if gidMapped(1<<32 - 1) {
		t.Error("gid 4294967295 (the invalid ID) counts as mapped")
	}
}
