package storage

import (
	"runtime"
	"strings"
	"testing"
)

func TestParsePlatform(t *testing.T) {
	for in, want := range map[string]Platform{"linux/amd64": {"linux", "amd64", ""}, "linux/arm/v7": {"linux", "arm", "v7"}} {
		got, err := ParsePlatform(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParsePlatform(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	// buildah's forms: empty parts are this machine's, "local" is it.
	for in, want := range map[string]Platform{"linux/": {"linux", runtime.GOARCH, ""}, "/arm64": {runtime.GOOS, "arm64", ""},
		"linux/amd64/": {"linux", "amd64", ""}, "local": {runtime.GOOS, runtime.GOARCH, ""}} {
		if got, err := ParsePlatform(in); err != nil || got != want {
			t.Errorf("ParsePlatform(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "linux", "a/b/c/d", "windows"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", bad)
		}
	}
}

func FuzzParsePlatform(f *testing.F) {
	for _, s := range []string{"linux/amd64", "linux/arm/v7", "/", "a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePlatform(s); err == nil && !strings.Contains(s, "//") && !strings.HasPrefix(s, "/") && !strings.HasSuffix(s, "/") && s != "local" && p.String() != s {
			t.Errorf("ParsePlatform(%q).String() = %q", s, p.String())
		}
	})
}
