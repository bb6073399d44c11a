package tests

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// frontStore is a store with a base image, a working container from it
// (mounted, configured), one from scratch, and one of buildah's.
func frontStore(t *testing.T) *hodEnv {
	h := newHodEnv(t)
	h.must("from", "--name", "w", "oci:"+shared.busybox+":latest")
	h.must("config", "--env", "A=1", "--label", "l=v", "--healthcheck", "CMD true", "w")
	h.must("commit", "-q", "w", "localhost/base:1")
	h.must("tag", "localhost/base:1", "localhost/base:2")
	h.must("mount", "w")
	h.must("from", "--name", "s", "scratch")
	if _, err := exec.LookPath("buildah"); err == nil {
		c := exec.Command("buildah", "--root", h.root, "--runroot", h.runRoot, "--storage-driver", "overlay", "from", "--name", "theirs", "scratch")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("buildah from: %v: %s", err, out)
		}
	}
	return h
}

// foreignStore is a store written only by /usr/bin/buildah 1.28 and
// skopeo (their own, older containers/storage): an image pulled from an
// OCI layout, a committed and tagged one, a configured and mounted
// container, one from scratch, and an image skopeo copied in.
func foreignStore(t *testing.T) *hodEnv {
	for _, tool := range []string{"buildah", "skopeo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s needed", tool)
		}
	}
	h := newHodEnv(t)
	b := func(args ...string) {
		t.Helper()
		c := exec.Command("buildah", append([]string{"--root", h.root, "--runroot", h.runRoot, "--storage-driver", "overlay"}, args...)...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("buildah %v: %v: %s", args, err, out)
		}
	}
	b("from", "--name", "w", "oci:"+shared.busybox+":latest")
	b("config", "--env", "A=1", "--label", "l=v", "w")
	b("commit", "-q", "w", "localhost/base:1")
	b("tag", "localhost/base:1", "localhost/base:2")
	b("mount", "w")
	b("from", "--name", "s", "scratch")
	dest := "containers-storage:[overlay@" + h.root + "+" + h.runRoot + "]localhost/copied:1"
	if out, err := exec.Command("skopeo", "copy", "-q", "oci:"+shared.busybox+":latest", dest).CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v: %s", err, out)
	}
	return h
}

// run runs binary in h's store.
func runIn(t *testing.T, h *hodEnv, binary string, args ...string) (string, string, int) {
	t.Helper()
	c := exec.Command(binary, args...)
	c.Env, c.Dir = h.env, h.dir
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errb.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// frontAlone is a copy of the front in a directory without hod-full: a
// call it hands over fails, saying hod-full is missing.
func frontAlone(t *testing.T) string {
	t.Helper()
	alone := filepath.Join(t.TempDir(), "hod")
	data, err := os.ReadFile(filepath.Join(shared.bin, "hod"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return alone
}

// The front serves the short calls without the full binary: copied alone
// into a directory, it still lists, inspects and configures. Every other
// call, and a short call it cannot serve as the full binary would (help,
// debug output, an image to inspect, an unknown name, a store a killed hod
// left work in), it hands over, and alone it says what is missing.
func TestFrontServesShortCalls(t *testing.T) {
	h := frontStore(t)
	alone := frontAlone(t)
	for _, args := range [][]string{
		{"images"}, {"images", "--json"}, {"containers", "--all"}, {"ps", "-q"},
		{"inspect", "w"}, {"inspect", "--type", "container", "--format", "{{.MountPoint}}", "w"},
		{"config", "--env", "B=2", "w"}, {"--root", h.root, "--runroot", h.runRoot, "--storage-driver", "overlay", "images", "-q"},
	} {
		if out, errs, code := runIn(t, h, alone, args...); code != 0 {
			t.Errorf("front alone, hod %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	for _, args := range [][]string{
		{"version"}, {"images", "--help"}, {"--log-level", "debug", "images"}, {"inspect", "localhost/base:1"},
		{"inspect", "nosuch"}, {"images", "localhost/base"}, {"config", "--port", "abc", "w"}, {"images", "a", "b"},
	} {
		if _, errs, code := runIn(t, h, alone, args...); code != 125 || !strings.Contains(errs, "hod-full is missing") {
			t.Errorf("front alone, hod %s: exit %d, %q; want it handed over", strings.Join(args, " "), code, errs)
		}
	}
	journal := filepath.Join(h.root, "hod-journal", "write-dead-1")
	if err := os.MkdirAll(journal, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runIn(t, h, alone, "images"); code != 125 || !strings.Contains(errs, "hod-full is missing") {
		t.Errorf("a store with a journal was served by the front: exit %d, %s", code, errs)
	}
}

// Served by the front or by the full binary, a short call prints the same
// and exits the same, errors included: on a store hod wrote, and on one
// only buildah 1.28 and skopeo wrote, which the front must either read
// exactly or hand over.
func TestFrontMatchesFull(t *testing.T) {
	calls := []string{
		"images", "images --all", "images --json", "images --digests --no-trunc", "images --history",
		"images --format {{.Name}}:{{.Tag}}_{{.Size}}_{{.Digest}}", "images -q --filter dangling=false", "images --noheading",
		"images localhost/base", "images nosuch",
		"containers", "containers --all", "containers --all --json", "containers --notruncate", "containers --filter name=w",
		"containers --format {{.ContainerName}}_{{.ImageName}}_{{.ImageID}}",
		"inspect w", "inspect s", "inspect --type container w", "inspect --format {{json .Docker}} w",
		"inspect --format {{.FromImage}}_{{.MountPoint}}_{{.OCIv1.Config.Env}} w", "inspect localhost/base:1",
		"inspect nosuch", "config", "config nosuch",
	}
	t.Run("hod's store", func(t *testing.T) {
		frontAgrees(t, frontStore(t), append(calls, "inspect --type container theirs"))
	})
	t.Run("buildah's and skopeo's store", func(t *testing.T) {
		h := foreignStore(t)
		frontAgrees(t, h, append(calls, "inspect localhost/copied:1", "images localhost/copied"))
		// ...and the front reads it itself rather than hand it over.
		alone := frontAlone(t)
		for _, args := range [][]string{{"images"}, {"images", "--json"}, {"containers", "--all"}, {"containers", "--all", "--json"}} {
			if out, errs, code := runIn(t, h, alone, args...); code != 0 {
				t.Errorf("front alone on buildah's store, hod %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
			}
		}
	})
}

func frontAgrees(t *testing.T, h *hodEnv, calls []string) {
	t.Helper()
	// Relative times tick between two calls.
	ago := regexp.MustCompile(`(\d+ \w+|Less than a second|About an? \w+) ago`)
	// The two calls run a moment apart: "Less than a second ago" can
	// become "1 second ago", and the CREATED column's width with it.
	spaces := regexp.MustCompile(` {2,}`)
	for _, args := range calls {
		argv := strings.Fields(args)
		fout, ferr, fcode := runIn(t, h, filepath.Join(shared.bin, "hod"), argv...)
		out, errs, code := runIn(t, h, filepath.Join(shared.bin, "hod-full"), argv...)
		fout, out = ago.ReplaceAllString(fout, "X ago"), ago.ReplaceAllString(out, "X ago")
		fout, out = spaces.ReplaceAllString(fout, "  "), spaces.ReplaceAllString(out, "  ")
		if fout != out || ferr != errs || fcode != code {
			t.Errorf("hod %s: the front printed\n%s%s(exit %d)\nthe full binary\n%s%s(exit %d)", args, fout, ferr, fcode, out, errs, code)
		}
	}
}
