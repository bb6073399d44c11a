package container

import (
	"testing"
)

func TestLookupOwner(t *testing.T) {
	root := accountsRoot(t, "root:x:0:0::/:/bin/sh\napp:x:1000:100::/:/bin/sh\n", "root:x:0:\nusers:x:100:\nstaff:x:50:\n")
	for spec, want := range map[string]Owner{
		"app": {UID: 1000, GID: 100}, "app:staff": {UID: 1000, GID: 50}, "1000:50": {UID: 1000, GID: 50}, "4242": {UID: 4242, GID: 4242}, "0": {UID: 0, GID: 0},
	} {
		got, err := LookupOwner(root, spec)
		if err != nil || got != want {
			t.Errorf("LookupOwner(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	if _, err := LookupOwner(root, "nobody"); err == nil {
		t.Error("LookupOwner(nobody) succeeded, want an error")
	}
}
