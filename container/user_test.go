package container

import (
	"strings"
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

// A malformed ID in the image's account files is refused, never read as
// 0 (root), which is what moby/sys/user's parser would make of it.
func TestLookupOwnerRefusesMalformedIDs(t *testing.T) {
	for _, tc := range []struct{ passwd, group, spec string }{
		{"app:x:abc:100::/:/bin/sh\n", "users:x:100:\n", "app"},
		{"app:x:1000:1x0::/:/bin/sh\n", "users:x:100:\n", "app"},
		{"app:x:1000:100::/:/bin/sh\n", "staff:x:5o:\n", "app:staff"},
	} {
		root := accountsRoot(t, tc.passwd, tc.group)
		if got, err := LookupOwner(root, tc.spec); err == nil || !strings.Contains(err.Error(), "bad ID") {
			t.Errorf("%q with %q / %q: %+v, %v; want a bad ID error", tc.spec, tc.passwd, tc.group, got, err)
		}
	}
}
