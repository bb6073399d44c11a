package container

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLookupOwner(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/:/bin/sh\napp:x:1000:100::/:/bin/sh\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nusers:x:100:\nstaff:x:50:\n"), 0o644))
	for spec, want := range map[string]Owner{
		"app": {1000, 100}, "app:staff": {1000, 50}, "1000:50": {1000, 50}, "4242": {4242, 4242}, "0": {0, 0},
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
