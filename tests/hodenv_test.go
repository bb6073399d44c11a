package tests

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	cstorage "go.podman.io/storage"
	stypes "go.podman.io/storage/types"
)

// hodEnv is a store of its own (overlay, in a temporary directory) with
// its own TMPDIR, for Go tests that drive the hod binary.
type hodEnv struct {
	t                  *testing.T
	dir, root, runRoot string
	tmp                string
	env                []string
}

func newHodEnv(t *testing.T) *hodEnv {
	t.Helper()
	dir := t.TempDir()
	h := &hodEnv{t: t, dir: dir, root: filepath.Join(dir, "root"), runRoot: filepath.Join(dir, "run"), tmp: filepath.Join(dir, "tmp")}
	if err := os.Mkdir(h.tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "storage.conf")
	text := fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n", h.root, h.runRoot)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env = append(os.Environ(), "CONTAINERS_STORAGE_CONF="+conf, "TMPDIR="+h.tmp, "HOME="+dir)
	t.Cleanup(func() { unmountUnder(dir) })
	return h
}

// cmd is hod with args in this store, not yet started.
func (h *hodEnv) cmd(env []string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(shared.bin, "hod"), args...)
	c.Env, c.Dir = append(append([]string{}, h.env...), env...), h.dir
	return c
}

// run runs hod and returns its stdout, stderr and exit status.
func (h *hodEnv) run(args ...string) (string, string, int) {
	c := h.cmd(nil, args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		h.t.Fatalf("hod %v: %v", args, err)
	}
	return strings.TrimSpace(out.String()), errb.String(), code
}

// must runs hod and fails the test unless it exits 0; it returns stdout.
func (h *hodEnv) must(args ...string) string {
	h.t.Helper()
	out, errs, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("hod %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// open opens the store with containers/storage itself, to check it
// independently of hod; the caller shuts it down.
func (h *hodEnv) open() cstorage.Store {
	h.t.Helper()
	store, err := cstorage.GetStore(stypes.StoreOptions{GraphRoot: h.root, RunRoot: h.runRoot, GraphDriverName: "overlay"})
	if err != nil {
		h.t.Fatalf("store does not open: %v", err)
	}
	return store
}

// checkReachable fails the test for any layer no image, container or
// other layer references.
func (h *hodEnv) checkReachable() {
	h.t.Helper()
	store := h.open()
	defer store.Shutdown(false) //nolint:errcheck
	layers, err := store.Layers()
	if err != nil {
		h.t.Fatal(err)
	}
	used := map[string]bool{}
	images, _ := store.Images()
	for _, img := range images {
		used[img.TopLayer] = true
		for _, l := range img.MappedTopLayers {
			used[l] = true
		}
	}
	containers, _ := store.Containers()
	for _, c := range containers {
		used[c.LayerID] = true
	}
	for _, l := range layers {
		used[l.Parent] = true
	}
	for _, l := range layers {
		if !used[l.ID] {
			h.t.Errorf("layer %s (%d bytes) is referenced by no image, container or layer", l.ID, l.UncompressedSize)
		}
	}
}

// checkNoTemp fails the test if staging or journal data is left behind.
func (h *hodEnv) checkNoTemp() {
	h.t.Helper()
	for _, pattern := range []string{
		filepath.Join(h.tmp, "*"),
		filepath.Join(h.root, "hod-journal", "*"),
		filepath.Join(h.root, "overlay", "tempdirs", "*"),
		filepath.Join(h.root, "overlay", "staging", "*"),
		filepath.Join(h.root, "overlay-layers", "tmp", "*"),
		filepath.Join(h.runRoot, "hod-run", "*"),
	} {
		if left, _ := filepath.Glob(pattern); len(left) > 0 {
			h.t.Errorf("left behind: %v", left)
		}
	}
}
