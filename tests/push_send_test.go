package tests

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPushSendsLayers pushes images to a real registry with gzip and
// zstd. hod compresses the layers on every core and uploads them ahead of
// containers/image's copy; the test checks what readers of the registry
// get: manifests naming the layers' compression, blobs that skopeo copies
// out checking every digest, each decompressing (the gzip or zstd command)
// to its diff ID, and root filesystems in buildah 1.28 and umoci (gzip
// only) equal to hod's.
// Which layers are sent follows the blob cache: none the registry has in
// a form the push would reuse, each one it has only in another.
func TestPushSendsLayers(t *testing.T) {
	if shared.plain == nil || os.Geteuid() != 0 {
		t.Skip("needs docker-registry and root")
	}
	for _, tool := range []string{"skopeo", "buildah", "umoci", "zstd", "gzip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	start := time.Now()
	h := newHodEnv(t)
	// send: two layers, the second over two frames' worth of input,
	// random bytes and text, with owners and modes to carry. send-gz:
	// the same base and another top layer.
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
	h.must("from", "-q", "--name", "gz", "localhost/send-base")
	writeTree(t, strings.TrimSpace(h.must("mount", "gz")), map[string]string{"etc/gz": "gzip first"})
	h.must("commit", "-q", "--rm", "gz", "localhost/send-gz")
	want := map[string][]string{}
	for _, image := range []string{"localhost/send", "localhost/send-gz"} {
		h.must("from", "-q", "--name", "c", image)
		want[image] = treeOf(t, strings.TrimSpace(h.must("mount", "c")), start)
		h.must("rm", "c")
	}

	const (
		zstdOCI  = "application/vnd.oci.image.layer.v1.tar+zstd"
		gzipOCI  = "application/vnd.oci.image.layer.v1.tar+gzip"
		gzipV2S2 = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	)
	// The steps build on each other: each leaves blobs at the registry
	// that the later ones find.
	for _, step := range []struct {
		name, image, repo string
		args              []string
		sent              int    // layers sent ahead of the copy
		mediaType         string // of every layer
		newBlobs          int    // blobs the registry gains; -1: not checked
	}{
		// Nothing at the registry yet: both layers are sent.
		{"zstd", "localhost/send", "zstd", []string{"--compression-format", "zstd"}, 2, zstdOCI, -1},
		// Another repository of the same registry: the copy reuses
		// both, nothing is uploaded.
		{"zstd again", "localhost/send", "again", []string{"--compression-format", "zstd"}, 0, zstdOCI, 0},
		// gzip is required: the zstd base does not count.
		{"gzip", "localhost/send-gz", "gz", []string{"--compression-format", "gzip"}, 2, gzipOCI, -1},
		// The base is there as zstd, the new top layer only as gzip.
		{"zstd after gzip", "localhost/send-gz", "gz-zstd", []string{"--compression-format", "zstd"}, 1, zstdOCI, -1},
		// A schema 2 manifest cannot name zstd: the base is reused as
		// gzip, the top layer sent as gzip.
		{"v2s2", "localhost/send", "v2s2", []string{"--format", "v2s2"}, 1, gzipV2S2, -1},
		// A push that requires nothing reuses what the registry has,
		// as containers/image does (the blobs noted last: the gzip
		// ones); only its manifest is new.
		{"default", "localhost/send", "default", nil, 0, gzipOCI, 1},
	} {
		t.Run(step.name, func(t *testing.T) {
			before := registryBlobs(t)
			ref := shared.plain.Addr + "/send/" + step.repo + ":1"
			stderr := pushSending(t, h, step.sent, append(append([]string{"push", "--tls-verify=false"}, step.args...), step.image, ref)...)
			if after := registryBlobs(t); step.newBlobs >= 0 && after-before != step.newBlobs {
				t.Errorf("the registry gained %d blobs, want %d", after-before, step.newBlobs)
			}
			diffIDs := checkPushed(t, ref, step.mediaType)
			// The progress lines name the layers by diff ID, as
			// buildah's do, whichever blob carried them.
			var named []string
			for _, line := range strings.Split(stderr, "\n") {
				if d, ok := strings.CutPrefix(line, "Copying blob "); ok {
					named = append(named, d)
				}
			}
			slices.Sort(named)
			if want := slices.Sorted(slices.Values(diffIDs)); !slices.Equal(named, want) {
				t.Errorf("progress lines name blobs %q, want the diff IDs %q", named, want)
			}
			if step.sent == 0 {
				return
			}
			if d := diffLines(want[step.image], buildahTree(t, ref, start)); d != "" {
				t.Errorf("root filesystems differ (- hod's image, + buildah's pull of hod's push):\n%s", d)
			}
			if step.mediaType != zstdOCI { // umoci 0.4 reads no zstd
				if d := diffLines(want[step.image], umociTree(t, ref, start)); d != "" {
					t.Errorf("root filesystems differ (- hod's image, + umoci's unpack of hod's push):\n%s", d)
				}
			}
		})
	}
}

// TestPushListSendsLayers pushes a manifest list of two local images:
// without --all, the copy pushes this platform's image and only its layer
// is sent; with --all, the other image's layer is sent and this platform's
// found at the registry. Every instance pushed is checked as a single
// image is.
func TestPushListSendsLayers(t *testing.T) {
	if shared.plain == nil || os.Geteuid() != 0 {
		t.Skip("needs docker-registry and root")
	}
	for _, tool := range []string{"skopeo", "gzip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	h := newHodEnv(t)
	other := map[string]string{"amd64": "arm64"}[runtime.GOARCH]
	if other == "" {
		other = "amd64"
	}
	h.must("manifest", "create", "localhost/send-list")
	for _, arch := range []string{runtime.GOARCH, other} {
		h.must("from", "-q", "--name", arch, "scratch")
		writeTree(t, strings.TrimSpace(h.must("mount", arch)), map[string]string{"arch": arch + strings.Repeat("x", 1<<20)})
		h.must("commit", "-q", "--rm", arch, "localhost/send-"+arch)
		h.must("manifest", "add", "--arch", arch, "localhost/send-list", "localhost/send-"+arch)
	}
	for _, step := range []struct {
		name string
		args []string
		sent int
	}{
		{"this platform", nil, 1},
		{"all", []string{"--all"}, 1},
	} {
		t.Run(step.name, func(t *testing.T) {
			ref := shared.plain.Addr + "/send/list-" + strings.ReplaceAll(step.name, " ", "-") + ":1"
			pushSending(t, h, step.sent, append(append([]string{"manifest", "push", "--tls-verify=false"}, step.args...), "localhost/send-list", "docker://"+ref)...)
			var index struct {
				Manifests []struct {
					Digest string `json:"digest"`
				} `json:"manifests"`
			}
			raw := mustRun(t, nil, "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://"+ref)
			if err := json.Unmarshal([]byte(raw), &index); err != nil {
				t.Fatal(err)
			}
			if len(index.Manifests) == 0 {
				checkPushed(t, ref, "application/vnd.oci.image.layer.v1.tar+gzip") // one image
			}
			repo := strings.TrimSuffix(ref, ":1")
			for _, m := range index.Manifests {
				checkPushed(t, repo+"@"+m.Digest, "application/vnd.oci.image.layer.v1.tar+gzip")
			}
		})
	}
}

// pushSending runs a hod push command with debug logging and checks that it sent want layers ahead of the copy; it
// returns the command's stderr.
func pushSending(t *testing.T, h *hodEnv, want int, args ...string) string {
	t.Helper()
	args = append([]string{"--log-level", "debug"}, args...)
	_, stderr, code := h.run(args...)
	if code != 0 {
		t.Fatalf("hod %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	sent := 0
	if _, after, ok := strings.Cut(stderr, "msg=\"sent "); ok {
		fmt.Sscanf(after, "%d", &sent)
	}
	if sent != want {
		t.Errorf("%d layers sent ahead of the copy, want %d:\n%s", sent, want, lastLines(stderr, 20))
	}
	return stderr
}

// umociTree is treeOf the root filesystem umoci unpacks from ref, which
// skopeo copies out of the registry into an OCI layout (as OCI: umoci reads
// no other format).
func umociTree(t *testing.T, ref string, start time.Time) []string {
	t.Helper()
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	mustRun(t, nil, "skopeo", "copy", "-q", "--src-tls-verify=false", "--format", "oci", "docker://"+ref, "oci:"+layout+":x")
	mustRun(t, nil, "umoci", "unpack", "--image", layout+":x", filepath.Join(dir, "bundle"))
	return treeOf(t, filepath.Join(dir, "bundle", "rootfs"), start)
}

// checkPushed checks that ref's layers are all of mediaType and that
// their blobs decompress to the configuration's diff IDs, which it returns.
func checkPushed(t *testing.T, ref, mediaType string) []string {
	t.Helper()
	m := manifestOf(t, ref)
	decompressor := "gzip"
	if strings.HasSuffix(mediaType, "zstd") {
		decompressor = "zstd"
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
		if l.MediaType != mediaType {
			t.Errorf("layer %s is %s, want %s", l.Digest, l.MediaType, mediaType)
		}
		plain := mustRun(t, nil, decompressor, "-dc", filepath.Join(out, strings.TrimPrefix(l.Digest, "sha256:")))
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(plain))); got != cfg.RootFS.DiffIDs[i] {
			t.Errorf("layer %d decompresses to %s, its diff ID is %s", i, got, cfg.RootFS.DiffIDs[i])
		}
	}
	return cfg.RootFS.DiffIDs
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
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
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
