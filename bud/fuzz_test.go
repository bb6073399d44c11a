package bud

import (
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/docker/reference"
)

// No Dockerfile may panic the parse and flag checks that run before a
// build; an error names the file and line.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM scratch\nCOPY --chown=1:1 --chmod=644 a /b\n",
		"ARG B\nFROM --platform=$B ${B} AS x\nRUN --mount=type=cache,target=/c true\n",
		"FROM --platform=linux scratch\n",
		"FROM scratch\nADD --checksum=md5:00 http://x/y /y\nEXPOSE 80/tcp abc\nSTOPSIGNAL NOPE\n",
		"FROM scratch\nCOPY <<EOF /x\nhi\nEOF\n",
		"FROM scratch\nHEALTHCHECK --interval=1s CMD true\nONBUILD RUN x\n",
		"FROM a\nRUN --network=none --mount=type=secret,id=s cat /run/secrets/s\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if _, _, _, err := parse("Dockerfile", []byte(text)); err != nil && !strings.HasPrefix(err.Error(), "Dockerfile") {
			t.Errorf("error %q names no file", err)
		}
	})
}

// --build-context: no value panics; a parsed context is an image or an
// existing absolute directory, never both.
func FuzzParseNamedContext(f *testing.F) {
	for _, s := range []string{"a=.", "img=docker-image://localhost/x", "c=container-image://", "=x", "x=", "n=/nonexistent", "A=../.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		name, nc, err := ParseNamedContext(spec)
		if err != nil {
			return
		}
		if name == "" || (nc.Dir == "") == (nc.Image == "") || nc.Dir != "" && !filepath.IsAbs(nc.Dir) {
			t.Errorf("ParseNamedContext(%q) = %q, %+v", spec, name, nc)
		}
	})
}

// --cache-from/--cache-to: no value panics; every cache entry a parsed
// value names is a valid image reference, whatever the key.
func FuzzParseCacheRepo(f *testing.F) {
	for _, s := range []string{"", "localhost:5000/cache", "reg.example/c/app:main", "app", "A/b", "r/x@sha256:" + strings.Repeat("a", 64), "r/x:" + strings.Repeat("t", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		c, err := parseCacheRepo(value)
		if err != nil || value == "" {
			return
		}
		for _, key := range []string{digestOf("k"), mountTag("id")} {
			if _, err := reference.ParseNormalizedNamed(c.ref(key)); err != nil {
				t.Errorf("parseCacheRepo(%q) makes %q: %v", value, c.ref(key), err)
			}
		}
	})
}
