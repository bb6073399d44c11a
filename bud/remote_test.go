package bud

import (
	"strings"
	"testing"
)

// A --cache-to value's tag prefixes the cache tags; buildah refuses tags.
func TestParseCacheRepo(t *testing.T) {
	key := strings.Repeat("a", 64)
	for value, want := range map[string]string{
		"localhost:5000/cache":                     "localhost:5000/cache:" + key,
		"localhost:5000/cache:main":                "localhost:5000/cache:main-" + key,
		"cache/app":                                "docker.io/cache/app:" + key,
		"reg.example/c:" + strings.Repeat("t", 63): "reg.example/c:" + strings.Repeat("t", 63) + "-" + key,
	} {
		c, err := parseCacheRepo(value)
		if err != nil || c.ref(key) != want {
			t.Errorf("parseCacheRepo(%q).ref = %q, %v; want %q", value, c.ref(key), err, want)
		}
	}
	for value, why := range map[string]string{
		"Not A Repo":        "want REPOSITORY[:TAG]",
		"r/x@sha256:" + key: "a digest names one image",
		"reg.example/c:" + strings.Repeat("t", 64): "longer than 63 characters",
	} {
		if _, err := parseCacheRepo(value); err == nil || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), value) {
			t.Errorf("parseCacheRepo(%q) = %v, want an error naming it and %q", value, err, why)
		}
	}
}
