package tests

import (
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// crashCase kills hod at one point of a write: at a failpoint (exact), or
// after a delay (somewhere in the middle), then checks the store and
// retries.
type crashCase struct {
	name      string
	failpoint string
	delay     time.Duration
	// args is the write, run in a store prepared by setup; retry is what
	// must then succeed, and verify names the image to check.
	args   []string
	verify string
}

// TestCrashSafety SIGKILLs hod at 29 points of from, commit, commit --rm,
// commit --layer, pull (from a layout and from a registry), push and bud. After each kill the store opens, no
// image is named half-written, no layer is unreachable once hod ran again,
// no staging or journal data is left, and the retry gives an image whose
// every blob is verified.
func TestCrashSafety(t *testing.T) {
	cases := []crashCase{}
	for _, fp := range []string{"commit-before-layer", "commit-after-layer", "commit-after-image", "commit-after-name"} {
		cases = append(cases,
			crashCase{name: "commit/" + fp, failpoint: fp, args: []string{"commit", "-q", "c", "localhost/out"}, verify: "localhost/out"},
			crashCase{name: "commit-rm/" + fp, failpoint: fp, args: []string{"commit", "-q", "--rm", "c", "localhost/out"}, verify: "localhost/out"})
	}
	cases = append(cases, crashCase{name: "from/from-before-state", failpoint: "from-before-state", args: []string{"from", "-q", "localhost/base"}})
	for _, fp := range []string{"commit-after-layer", "checkpoint-before-rebase", "rebase-before-delete", "rebase-after-delete"} {
		cases = append(cases, crashCase{name: "checkpoint/" + fp, failpoint: fp, args: []string{"commit", "-q", "--layer", "c"}})
	}
	for _, d := range []time.Duration{40 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond} {
		ms := fmt.Sprint(d.Milliseconds())
		cases = append(cases,
			crashCase{name: "commit/after-" + ms + "ms", delay: d, args: []string{"commit", "-q", "c", "localhost/out"}, verify: "localhost/out"},
			crashCase{name: "pull/after-" + ms + "ms", delay: d, args: []string{"pull", "-q", "oci:SRC:big"}, verify: "ID"},
			crashCase{name: "bud/after-" + ms + "ms", delay: d, args: []string{"bud", "-q", "-t", "localhost/built", "CTX"}, verify: "localhost/built"},
		)
		if shared.plain != nil {
			cases = append(cases,
				crashCase{name: "push/after-" + ms + "ms", delay: d, args: []string{"push", "-q", "--tls-verify=false", "localhost/base", "REGISTRY/crash/" + ms + ":1"}, verify: "localhost/base"},
				crashCase{name: "pull-registry/after-" + ms + "ms", delay: d, args: []string{"pull", "-q", "--tls-verify=false", "REGISTRY/crash/big:1"}, verify: "ID"})
		}
	}
	if shared.plain != nil {
		// Between the fetch's layers and the copy's image record.
		cases = append(cases, crashCase{name: "pull-registry/pull-after-fetch", failpoint: "pull-after-fetch", args: []string{"pull", "-q", "--tls-verify=false", "REGISTRY/crash/big:1"}, verify: "ID"})
	}
	if len(cases) < 20 {
		t.Fatalf("%d kill points, want at least 20", len(cases))
	}
	src := bigImage(t)
	if shared.plain != nil {
		out, err := exec.Command("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:"+src+":big", "docker://"+shared.plain.Addr+"/crash/big:1").CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo copy: %v: %s", err, out)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHodEnv(t)
			prepareCrash(t, h, src)
			args := make([]string, len(c.args))
			for i, a := range c.args {
				a = strings.ReplaceAll(a, "SRC", src)
				a = strings.ReplaceAll(a, "CTX", filepath.Join(h.dir, "ctx"))
				if shared.plain != nil {
					a = strings.ReplaceAll(a, "REGISTRY", shared.plain.Addr)
				}
				args[i] = a
			}
			h.kill(c, args)
			// the store opens (and hod cleans up after the killed write)
			_, errs, code := h.run("--log-level", "debug", "images")
			if code != 0 {
				t.Fatalf("store does not open after the kill: %s", errs)
			}
			t.Logf("the store open after the kill logged:\n%s", errs) // shown if a check fails
			h.checkNamedComplete()
			h.checkReachable()
			h.checkNoTemp()
			h.checkOnlyContainer("c")
			// no mount reference of the killed write is left (issue 20)
			if out := h.must("mount"); strings.TrimSpace(out) != "" {
				t.Errorf("containers still mounted after the kill: %s", out)
			}
			// the retry works and its image is whole (a commit --rm that
			// finished before the kill took its container with it)
			if _, _, code := h.run("inspect", "c"); code != 0 {
				h.must("from", "--name", "c", "localhost/base")
			}
			out := h.must(args...)
			h.checkReachable()
			h.checkNoTemp()
			switch c.verify {
			case "":
			case "ID":
				verifyImage(t, h, out)
			default:
				verifyImage(t, h, c.verify)
			}
		})
	}
}

// kill runs hod and SIGKILLs it at c's failpoint or after c's delay (a
// delayed kill may come after hod finished).
func (h *hodEnv) kill(c crashCase, args []string) {
	var env []string
	if c.failpoint != "" {
		env = []string{"HOD_FAILPOINT=" + c.failpoint}
	}
	cmd := h.cmd(env, args...)
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	if c.delay > 0 {
		time.Sleep(c.delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
	}
	err := cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if c.failpoint != "" && !(ws.Signaled() && ws.Signal() == syscall.SIGKILL) {
		h.t.Fatalf("hod did not reach failpoint %s: %v", c.failpoint, err)
	}
}

// prepareCrash makes a base image with 24 MB of random data, and a
// working container c on it with 24 MB more.
func prepareCrash(t *testing.T, h *hodEnv, src string) {
	for _, f := range []string{"a", "b"} {
		writeRandom(t, filepath.Join(h.dir, f), 24<<20)
	}
	base := h.must("from", "oci:"+shared.busybox+":latest")
	h.must("copy", base, filepath.Join(h.dir, "a"), "/a")
	h.must("commit", "-q", "--rm", base, "localhost/base")
	h.must("from", "--name", "c", "localhost/base")
	h.must("copy", "c", filepath.Join(h.dir, "b"), "/b")
	ctx := filepath.Join(h.dir, "ctx")
	if err := os.Mkdir(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(h.dir, "b"), filepath.Join(ctx, "b")); err != nil {
		t.Fatal(err)
	}
	df := "FROM localhost/base\nCOPY b /b\nRUN cp /b /c\n"
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeRandom(t *testing.T, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		t.Fatal(err)
	}
}

// bigImage is an OCI layout (made with hod, in a store of its own) of an
// image with 48 MB of random data, for pulls to be killed in.
func bigImage(t *testing.T) string {
	h := newHodEnv(t)
	writeRandom(t, filepath.Join(h.dir, "big"), 48<<20)
	c := h.must("from", "scratch")
	h.must("copy", c, filepath.Join(h.dir, "big"), "/big")
	out := filepath.Join(t.TempDir(), "big")
	h.must("commit", "-q", "--rm", c, "oci:"+out+":big")
	return out
}

// checkOnlyContainer fails the test for a container other than name (a
// working container of a killed build or from), which may be gone (a
// killed commit --rm).
func (h *hodEnv) checkOnlyContainer(name string) {
	h.t.Helper()
	store := h.open()
	defer store.Shutdown(false) //nolint:errcheck
	containers, err := store.Containers()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range containers {
		if !slices.Equal(c.Names, []string{name}) {
			h.t.Errorf("container %s %v is left", c.ID, c.Names)
		}
	}
}

// checkNamedComplete fails the test for a named image whose manifest,
// config or layers are missing.
func (h *hodEnv) checkNamedComplete() {
	h.t.Helper()
	store := h.open()
	defer store.Shutdown(false) //nolint:errcheck
	images, err := store.Images()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, img := range images {
		if len(img.Names) == 0 {
			continue
		}
		if _, err := store.ImageBigData(img.ID, "manifest"); err != nil {
			h.t.Errorf("image %v is named but has no manifest: %v", img.Names, err)
		}
		for l := img.TopLayer; l != ""; {
			layer, err := store.Layer(l)
			if err != nil {
				h.t.Errorf("image %v is named but layer %s is missing: %v", img.Names, l, err)
				break
			}
			l = layer.Parent
		}
	}
}

// verifyImage pushes name to an OCI layout and checks every blob against
// its digest, and every layer against the config's diff IDs.
func verifyImage(t *testing.T, h *hodEnv, name string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "verify")
	h.must("push", "-q", name, "oci:"+dir+":v")
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	for _, b := range blobs {
		if got := fileDigest(t, b, false); got != filepath.Base(b) {
			t.Errorf("blob %s has digest %s", filepath.Base(b), got)
		}
	}
	var index ispec.Index
	readJSON(t, filepath.Join(dir, "index.json"), &index)
	var m ispec.Manifest
	readJSON(t, filepath.Join(dir, "blobs", "sha256", index.Manifests[0].Digest.Encoded()), &m)
	var cfg ispec.Image
	readJSON(t, filepath.Join(dir, "blobs", "sha256", m.Config.Digest.Encoded()), &cfg)
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		t.Fatalf("%d diff IDs for %d layers", len(cfg.RootFS.DiffIDs), len(m.Layers))
	}
	for i, l := range m.Layers {
		if got := fileDigest(t, filepath.Join(dir, "blobs", "sha256", l.Digest.Encoded()), true); got != cfg.RootFS.DiffIDs[i].Encoded() {
			t.Errorf("layer %d: uncompressed digest %s, config says %s", i, got, cfg.RootFS.DiffIDs[i])
		}
	}
}

func fileDigest(t *testing.T, path string, gunzip bool) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if gunzip {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readJSON(t *testing.T, path string, v any) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
