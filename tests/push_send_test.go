package tests

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPushZstdSendsLayers pushes a two-layer image with
// --compression-format zstd to a real registry. hod compresses the layers
// on every core and uploads them ahead of containers/image's copy; the
// test checks what a reader of the registry gets: an OCI manifest naming
// zstd layers, blobs that skopeo copies out checking every digest, each
// decompressing (the zstd command) to its diff ID, and a root filesystem
// in buildah 1.28 equal to hod's. A second push to another repository of
// the same registry uploads no blob; a layer the registry has only as
// gzip is sent; and the pushes the send leaves to the copy (gzip, a v2s2
// manifest) are not sent.
func TestPushZstdSendsLayers(t *testing.T) {
	if shared.plain == nil || os.Geteuid() != 0 {
		t.Skip("needs docker-registry and root")
	}
	for _, tool := range []string{"skopeo", "buildah", "zstd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	start := time.Now()
	h := newHodEnv(t)
	// Two layers, the second over three zstd frames' worth of input:
	// random bytes and text, with owners and modes to carry.
	h.must("from", "-q", "--name", "base", "scratch")
	mnt := strings.TrimSpace(h.must("mount", "base"))
	writeTree(t, mnt, map[string]string{"etc/conf": "v1", "bin/tool": "#!/bin/sh\n"})
	if err := os.Chown(filepath.Join(mnt, "etc/conf"), 1000, 50); err != nil {
		t.Fatal(err)
	}
	h.must("commit", "-q", "--rm", "base", "localhost/send-base")
	h.must("from", "-q", "--name", "top", "localhost/send-base")
	mnt = strings.TrimSpace(h.must("mount", "top"))
	random := make([]byte, 12<<20)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	writeTree(t, mnt, map[string]string{
		"data/random":   string(random),
		"data/text":     base64.StdEncoding.EncodeToString(random[:9<<20]),
		"etc/conf":      "v2",
		"data/.hidden":  "",
		"data/sub/file": "sub",
	})
	if err := os.Chmod(filepath.Join(mnt, "data/sub/file"), 0o4755); err != nil {
		t.Fatal(err)
	}
	h.must("commit", "-q", "--rm", "top", "localhost/send")
	h.must("from", "-q", "--name", "c", "localhost/send")
	want := treeOf(t, strings.TrimSpace(h.must("mount", "c")), start)

	ref := shared.plain.Addr + "/send/zstd:1"
	_, stderr, code := h.run("--log-level", "debug", "push", "--tls-verify=false", "--compression-format", "zstd", "localhost/send", ref)
	if code != 0 {
		t.Fatalf("hod push: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "sent 2 layers to") {
		t.Errorf("the layers were not sent ahead of the copy:\n%s", lastLines(stderr, 20))
	}
	checkZstdImage(t, ref)

	b := newHodEnv(t)
	mustRun(t, b.env, "buildah", "pull", "-q", "--tls-verify=false", ref)
	mustRun(t, b.env, "buildah", "from", "-q", "--name", "c", ref)
	got := treeOf(t, strings.TrimSpace(mustRun(t, b.env, "buildah", "mount", "c")), start)
	if d := diffLines(want, got); d != "" {
		t.Errorf("root filesystems differ (- hod's image, + buildah's pull of hod's push):\n%s", d)
	}

	t.Run("again", func(t *testing.T) {
		before := registryBlobs(t)
		_, stderr, code := h.run("--log-level", "debug", "push", "--tls-verify=false", "--compression-format", "zstd", "localhost/send", shared.plain.Addr+"/send/again:1")
		if code != 0 {
			t.Fatalf("hod push: exit %d: %s", code, stderr)
		}
		if strings.Contains(stderr, "sent 2 layers to") {
			t.Errorf("layers the registry has were sent again")
		}
		if after := registryBlobs(t); after != before {
			t.Errorf("the registry holds %d blobs after pushing the same image again, %d before", after, before)
		}
		checkZstdImage(t, shared.plain.Addr+"/send/again:1")
	})
	// A layer the registry has only as gzip is sent; the base layer, which
	// it has as zstd, is left to the copy, which reuses it.
	t.Run("after gzip", func(t *testing.T) {
		h.must("from", "-q", "--name", "gz", "localhost/send-base")
		writeTree(t, strings.TrimSpace(h.must("mount", "gz")), map[string]string{"etc/gz": "gzip first"})
		h.must("commit", "-q", "--rm", "gz", "localhost/send-gz")
		h.must("push", "-q", "--tls-verify=false", "--compression-format", "gzip", "localhost/send-gz", shared.plain.Addr+"/send/gz:gzip")
		ref := shared.plain.Addr + "/send/gz:zstd"
		_, stderr, code := h.run("--log-level", "debug", "push", "--tls-verify=false", "--compression-format", "zstd", "localhost/send-gz", ref)
		if code != 0 {
			t.Fatalf("hod push: exit %d: %s", code, stderr)
		}
		if !strings.Contains(stderr, "sent 1 layers to") {
			t.Errorf("not the one layer the registry lacks as zstd was sent:\n%s", lastLines(stderr, 20))
		}
		checkZstdImage(t, ref)
	})
	// Pushes the send leaves to the copy.
	for _, c := range []struct {
		name, ref string
		args      []string
		mediaType string
	}{
		{"gzip", "/send/gzip:1", []string{"--compression-format", "gzip"}, "application/vnd.oci.image.layer.v1.tar+gzip"},
		{"v2s2", "/send/v2s2:1", []string{"--format", "v2s2"}, "application/vnd.docker.image.rootfs.diff.tar.gzip"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--log-level", "debug", "push", "--tls-verify=false"}, c.args...)
			_, stderr, code := h.run(append(args, "localhost/send", shared.plain.Addr+c.ref)...)
			if code != 0 {
				t.Fatalf("hod push: exit %d: %s", code, stderr)
			}
			if strings.Contains(stderr, " layers to ") {
				t.Errorf("layers were sent ahead of a copy that compresses them as %s", c.mediaType)
			}
			for _, l := range manifestOf(t, shared.plain.Addr+c.ref).Layers {
				if l.MediaType != c.mediaType {
					t.Errorf("layer %s is %s, want %s", l.Digest, l.MediaType, c.mediaType)
				}
			}
		})
	}
}

// checkZstdImage checks that ref's manifest is OCI with zstd layers whose
// blobs decompress to the configuration's diff IDs.
func checkZstdImage(t *testing.T, ref string) {
	t.Helper()
	m := manifestOf(t, ref)
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest type %s, want OCI", m.MediaType)
	}
	// skopeo checks every blob's digest as it copies it out.
	out := filepath.Join(t.TempDir(), "dir")
	mustRun(t, nil, "skopeo", "copy", "-q", "--src-tls-verify=false", "docker://"+ref, "dir:"+out)
	var cfg struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	raw, err := os.ReadFile(filepath.Join(out, strings.TrimPrefix(m.Config.Digest, "sha256:")))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		t.Fatalf("%d layers for %d diff IDs", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	for i, l := range m.Layers {
		if l.MediaType != "application/vnd.oci.image.layer.v1.tar+zstd" {
			t.Errorf("layer %s is %s, want zstd", l.Digest, l.MediaType)
		}
		plain := mustRun(t, nil, "zstd", "-dc", filepath.Join(out, strings.TrimPrefix(l.Digest, "sha256:")))
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(plain))); got != cfg.RootFS.DiffIDs[i] {
			t.Errorf("layer %d decompresses to %s, its diff ID is %s", i, got, cfg.RootFS.DiffIDs[i])
		}
	}
}

type pushedManifest struct {
	MediaType string `json:"mediaType"`
	Config    struct {
		Digest string `json:"digest"`
	} `json:"config"`
	Layers []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
	} `json:"layers"`
}

func manifestOf(t *testing.T, ref string) pushedManifest {
	t.Helper()
	var m pushedManifest
	raw := mustRun(t, nil, "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://"+ref)
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("manifest of %s: %v", ref, err)
	}
	return m
}

// registryBlobs counts the blobs the shared registry stores.
func registryBlobs(t *testing.T) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(shared.plain.Data, "docker/registry/v2/blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "data" {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// writeTree writes files (path: contents) under root, with their
// directories.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
