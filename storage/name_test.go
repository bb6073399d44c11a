package storage

import (
	"testing"

	"github.com/hodbuild/hod/storage/catalog"
)

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"app":                        "localhost/app:latest",
		"app:1":                      "localhost/app:1",
		"team/app:1":                 "localhost/team/app:1",
		"localhost/app":              "localhost/app:latest",
		"registry.example/app:1":     "registry.example/app:1",
		"127.0.0.1:5000/team/app":    "127.0.0.1:5000/team/app:latest",
		"docker.io/library/alpine:3": "docker.io/library/alpine:3",
	} {
		if got, err := NormalizeName(in); err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"UPPER/case", "app:bad tag", ""} {
		if got, err := NormalizeName(bad); err == nil {
			t.Errorf("NormalizeName(%q) = %q, want an error", bad, got)
		}
	}
}

func TestNameParts(t *testing.T) {
	for in, want := range map[string][3]string{
		"localhost/app:1":               {"app", "localhost/app", "1"},
		"127.0.0.1:5000/team/app:v2":    {"app", "127.0.0.1:5000/team/app", "v2"},
		"registry.example/app@sha256:0": {"app", "registry.example/app", "sha256:0"},
		"localhost/plain":               {"plain", "localhost/plain", "<none>"},
	} {
		repo, tag := catalog.SplitTag(in)
		if short := ShortName(in); short != want[0] || repo != want[1] || tag != want[2] {
			t.Errorf("%q: ShortName %q, SplitTag %q %q; want %v", in, short, repo, tag, want)
		}
	}
}

func TestHasTransport(t *testing.T) {
	for name, want := range map[string]bool{
		"oci:/tmp/x:tag": true, "docker://r/a": true, "containers-storage:a": true, "dir:/x": true,
		"localhost/app:1": false, "app:1": false, "127.0.0.1:5000/a": false,
	} {
		if got := HasTransport(name); got != want {
			t.Errorf("HasTransport(%q) = %v, want %v", name, got, want)
		}
	}
}
