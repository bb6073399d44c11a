package container

import (
	"testing"
)

// No --chown value may panic; an accepted one resolves to IDs in range.
func FuzzLookupOwner(f *testing.F) {
	root := accountsRoot(f, "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\nbad:x:nan:1:::\n", "root:x:0:\napp:x:1000:\n")
	for _, s := range []string{"app", "app:app", "0:0", "99999999999", "1:-5", "bad", ":", "app:", "4294967295", "nobody:root"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		o, err := LookupOwner(root, spec)
		if err == nil && (o.UID < 0 || o.GID < 0 || o.UID > maxID || o.GID > maxID) {
			t.Errorf("LookupOwner(%q) = %+v", spec, o)
		}
		if err == nil && CheckOwner(spec) != nil {
			t.Errorf("LookupOwner accepted %q, CheckOwner refuses it", spec)
		}
	})
}

// No --userns-*-map value panics; a parsed mapping is non-empty and inside
// the 32-bit ID space.
func FuzzParseIDMap(f *testing.F) {
	for _, s := range []string{"0:100000:65536", "0:1:2,3:4:5", "::", "0:0:4294967295", "1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ms, err := ParseIDMap(spec)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.Size <= 0 || m.ContainerID+m.Size > 1<<32-1 || m.HostID+m.Size > 1<<32-1 {
				t.Errorf("ParseIDMap(%q) = %v", spec, ms)
			}
		}
	})
}
