package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostile is one hostile input: files it makes in the test's directory,
// the hod command it runs, and the exit status and message it must give.
// Whatever it is, nothing outside the container may change: the canary
// files on the host stay as they were, and no file appears beside them.
type hostile struct {
	name  string
	setup func(t *testing.T, h *hodEnv, canary string)
	args  []string
	code  int
	msg   string // in stderr; "" for any
}

// entry is a tar entry: "name=content" a file, "name->target" a symlink,
// "name=>target" a hard link, "name/" a directory; "c:name" a character
// device, "b:name" a block device, "p:name" a FIFO.
func tarOf(t *testing.T, path string, gz bool, entries ...string) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Mode: 0o644, ModTime: time.Unix(0, 0)}
		switch {
		case strings.HasPrefix(e, "c:"):
			hdr.Name, hdr.Typeflag, hdr.Devmajor, hdr.Devminor = e[2:], tar.TypeChar, 1, 3
		case strings.HasPrefix(e, "b:"):
			hdr.Name, hdr.Typeflag, hdr.Devmajor, hdr.Devminor = e[2:], tar.TypeBlock, 8, 0
		case strings.HasPrefix(e, "p:"):
			hdr.Name, hdr.Typeflag = e[2:], tar.TypeFifo
		default:
			if err := writeSpec(tw, e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// archive adds a tar of entries (with CANARY replaced) into /dst of c.
func archive(code int, msg string, entries ...string) (func(*testing.T, *hodEnv, string), []string, int, string) {
	return func(t *testing.T, h *hodEnv, canary string) {
		for i, e := range entries {
			entries[i] = strings.ReplaceAll(e, "CANARY", canary)
		}
		tarOf(t, filepath.Join(h.dir, "x.tar"), false, entries...)
	}, []string{"add", "c", "x.tar", "/dst/"}, code, msg
}

func TestHostileInputs(t *testing.T) {
	up := strings.Repeat("../", 12)
	var cases []hostile
	add := func(name string, setup func(*testing.T, *hodEnv, string), args []string, code int, msg string) {
		cases = append(cases, hostile{name, setup, args, code, msg})
	}
	// tar entries that climb out, absolute ones, links out, devices, size
	for _, c := range []struct {
		name    string
		code    int
		msg     string
		entries []string
	}{
		{"dotdot-file", 125, "is outside of", []string{"../evil=x"}},
		{"deep-dotdot-file", 125, "is outside of", []string{up + "CANARY/evil=x"}},
		{"absolute-file", 0, "", []string{"CANARY/evil=x"}},
		{"absolute-overwrite", 0, "", []string{"CANARY/canary=overwritten"}},
		{"inner-dotdot", 125, "is outside of", []string{"a/../../evil=x"}},
		{"dot-dotdot", 125, "is outside of", []string{"./../evil=x"}},
		{"dir-dotdot", 125, "is outside of", []string{"../evildir/"}},
		{"symlink-abs-then-file", 0, "", []string{"l->CANARY", "l/evil=x"}},
		{"symlink-up-then-file", 0, "", []string{"l->" + up + "tmp", "l/evil=x"}},
		{"symlink-root-then-file", 0, "", []string{"l->/", "l/tmp/evil=x"}},
		{"symlink-then-overwrite", 0, "", []string{"l->CANARY/canary", "l=overwritten"}},
		{"symlink-chain", 0, "", []string{"a->b", "b->CANARY", "a/evil=x"}},
		{"symlink-loop", 125, "", []string{"a->b", "b->a", "a/x=y"}},
		{"hardlink-abs", 125, "hard link", []string{"h=>CANARY/canary"}},
		{"hardlink-up", 125, "hard link", []string{"h=>" + up + "etc/passwd"}},
		{"hardlink-shadow", 125, "hard link", []string{"h=>/etc/shadow"}},
		{"hardlink-forward", 125, "not earlier in the archive", []string{"h=>f", "f=x"}},
		{"hardlink-via-symlink", 125, "", []string{"l->CANARY", "h=>l/canary"}},
		{"hardlink-to-symlink-out", 0, "", []string{"l->CANARY/canary", "h=>l"}},
		{"char-device", 0, "", []string{"c:null"}},
		{"block-device", 0, "", []string{"b:sda"}},
		{"fifo", 0, "", []string{"p:fifo"}},
		{"long-name", 125, "", []string{strings.Repeat("n", 5000) + "=x"}},
		{"long-component", 125, "", []string{strings.Repeat("c", 300) + "/f=x"}},
		{"deep-nesting", 0, "", []string{strings.Repeat("d/", 200) + "f=x"}},
		{"whiteout", 0, "", []string{".wh.etc=x"}},
		{"opaque", 0, "", []string{"o/", "o/.wh..wh..opq=x"}},
		{"symlink-dir-then-dotdot", 0, "", []string{"l->CANARY", "l/../evil=x"}},
		{"absolute-symlink-dir", 0, "", []string{"d/", "d/l->/", "d/l/etc/evil=x"}},
		{"many-entries", 0, "", manyEntries(2000)},
		{"empty-archive", 0, "", nil},
	} {
		setup, args, code, msg := archive(c.code, c.msg, c.entries...)
		add("tar/"+c.name, setup, args, code, msg)
	}
	// archives that are not what they say
	add("tar/truncated", func(t *testing.T, h *hodEnv, _ string) {
		tarOf(t, filepath.Join(h.dir, "x.tar"), false, "a="+strings.Repeat("x", 4000))
		data, _ := os.ReadFile(filepath.Join(h.dir, "x.tar"))
		os.WriteFile(filepath.Join(h.dir, "x.tar"), data[:1500], 0o644)
	}, []string{"add", "c", "x.tar", "/dst/"}, 125, "")
	add("tar/corrupt-gzip", func(t *testing.T, h *hodEnv, _ string) {
		os.WriteFile(filepath.Join(h.dir, "x.tar.gz"), append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, randomBytes(t, 2000)...), 0o644)
	}, []string{"add", "c", "x.tar.gz", "/dst/"}, 0, "") // not an archive after all: copied as a file
	add("tar/random-bytes", func(t *testing.T, h *hodEnv, _ string) {
		os.WriteFile(filepath.Join(h.dir, "x.tar"), randomBytes(t, 4096), 0o644)
	}, []string{"add", "c", "x.tar", "/dst/"}, 0, "")
	add("tar/zero-length", func(t *testing.T, h *hodEnv, _ string) {
		os.WriteFile(filepath.Join(h.dir, "x.tar"), nil, 0o644)
	}, []string{"add", "c", "x.tar", "/dst/"}, 0, "")
	add("tar/gzip-of-slip", func(t *testing.T, h *hodEnv, canary string) {
		tarOf(t, filepath.Join(h.dir, "x.tgz"), true, "../../../"+canary+"/evil=x", "l->"+canary, "l/evil=x")
	}, []string{"add", "c", "x.tgz", "/dst/"}, 125, "")

	// copy into a rootfs whose paths are symlinks to the host
	for _, c := range []struct {
		name, link, dest string
		code             int
		msg              string
	}{
		{"abs-dir-link", "CANARY", "/escape/evil", 125, "which is not a directory in the container"},
		{"up-dir-link", up + "CANARY", "/escape/evil", 125, "which is not a directory in the container"},
		{"file-link-overwrite", "CANARY/canary", "/escape", 0, ""},
		{"proc-root-link", "/proc/self/root/CANARY", "/escape/evil", 125, "which is not a directory in the container"},
		{"dangling-dir-link", "/nonexistent", "/escape/", 125, "/escape is a symbolic link to /nonexistent"},
		{"link-in-dest-path", "CANARY", "/escape/sub/evil", 125, "which is not a directory in the container"},
	} {
		link, dest := c.link, c.dest
		add("copy/"+c.name, func(t *testing.T, h *hodEnv, canary string) {
			mnt := h.must("mount", "c")
			if err := os.Symlink(strings.ReplaceAll(link, "CANARY", canary), filepath.Join(mnt, "escape")); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(h.dir, "f"), []byte("copied"), 0o644)
		}, []string{"copy", "c", "f", dest}, c.code, c.msg)
	}
	add("copy/source-link-out", func(t *testing.T, h *hodEnv, canary string) {
		os.Mkdir(filepath.Join(h.dir, "ctx"), 0o755)
		os.Symlink(filepath.Join(canary, "canary"), filepath.Join(h.dir, "ctx", "l"))
		os.WriteFile(filepath.Join(h.dir, "ctx", "Dockerfile"), []byte("FROM scratch\nCOPY l /l\n"), 0o644)
	}, []string{"bud", "-q", "ctx"}, 125, "")

	// --contextdir confines sources (issue 20 item 4): no "..", absolute
	// path or symlink out of it
	ctxSetup := func(t *testing.T, h *hodEnv, canary string) {
		os.Mkdir(filepath.Join(h.dir, "ctx"), 0o755)
		os.WriteFile(filepath.Join(h.dir, "ctx", "f"), []byte("f"), 0o644)
		os.WriteFile(filepath.Join(h.dir, "secret"), []byte("secret"), 0o644)
		os.Symlink(filepath.Join(canary, "canary"), filepath.Join(h.dir, "ctx", "abs-link"))
		os.Symlink("../secret", filepath.Join(h.dir, "ctx", "up-link"))
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"copy-dotdot", []string{"copy", "--contextdir", "ctx", "c", "secret", "/s"}, 125, "escaping context directory"},
		{"copy-absolute", []string{"copy", "--contextdir", "ctx", "c", "CANARY/canary", "/s"}, 125, "escaping context directory"},
		{"copy-abs-link", []string{"copy", "--contextdir", "ctx", "c", "ctx/abs-link", "/s"}, 125, "no such file"},
		{"copy-up-link", []string{"copy", "--contextdir", "ctx", "c", "ctx/up-link", "/s"}, 125, "no such file"},
		{"copy-inside", []string{"copy", "--contextdir", "ctx", "c", "ctx/f", "/s"}, 0, ""},
		{"run-volume-outside", []string{"run", "--contextdir", "ctx", "-v", "CANARY:/h", "c", "--", "touch", "/h/evil"}, 125, "outside of the context directory"},
		{"run-volume-dotdot", []string{"run", "--contextdir", "ctx", "-v", "CTXDIR/..:/h", "c", "--", "touch", "/h/evil"}, 125, "outside of the context directory"},
	} {
		args := c.args
		add("contextdir/"+c.name, func(t *testing.T, h *hodEnv, canary string) {
			ctxSetup(t, h, canary)
			for i, a := range args {
				args[i] = strings.NewReplacer("CANARY", canary, "CTXDIR", filepath.Join(h.dir, "ctx")).Replace(a)
			}
		}, args, c.code, c.msg)
	}

	add("bud/nul-in-run", func(t *testing.T, h *hodEnv, _ string) {
		os.Mkdir(filepath.Join(h.dir, "ctx"), 0o755)
		os.WriteFile(filepath.Join(h.dir, "ctx", "Dockerfile"), []byte("FROM scratch\nRUN echo a\x00b\n"), 0o644)
	}, []string{"bud", "-q", "ctx"}, 125, "Dockerfile:2: building at STEP")

	// images that lie
	for _, c := range []struct {
		name   string
		code   int
		msg    string
		damage func(t *testing.T, dir string)
	}{
		{"blob-digest-mismatch", 125, "", func(t *testing.T, dir string) { damageBlob(t, dir, "layer", []byte("tampered")) }},
		{"manifest-not-json", 125, "", func(t *testing.T, dir string) { damageBlob(t, dir, "manifest", []byte("{not json")) }},
		{"index-garbage", 125, "", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte("garbage"), 0o644)
		}},
		{"missing-layer", 125, "", func(t *testing.T, dir string) { os.Remove(blobPath(t, dir, "layer")) }},
		{"config-not-json", 125, "", func(t *testing.T, dir string) { damageBlob(t, dir, "config", []byte("{{")) }},
		{"empty-index", 125, "", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`), 0o644)
		}},
		{"missing-config", 125, "", func(t *testing.T, dir string) { os.Remove(blobPath(t, dir, "config")) }},
	} {
		damage := c.damage
		add("image/"+c.name, func(t *testing.T, h *hodEnv, _ string) {
			h.must("commit", "-q", "c", "oci:"+filepath.Join(h.dir, "img")+":x")
			damage(t, filepath.Join(h.dir, "img"))
		}, []string{"pull", "-q", "oci:img:x"}, c.code, c.msg)
	}

	// flags and values that make no sense
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"port", []string{"config", "--port", "abc", "c"}, "abc"},
		{"chown-range", []string{"copy", "--chown", "99999999999", "c", "f", "/f"}, "99999999999"},
		{"chmod", []string{"copy", "--chmod", "9999", "c", "f", "/f"}, "9999"},
		{"platform", []string{"from", "--platform", "linux", "scratch"}, "linux"},
		{"mount-type", []string{"run", "--mount", "type=nope,dst=/x", "c", "--", "true"}, "type"},
		{"format", []string{"commit", "--format", "nope", "c"}, "nope"},
		{"userns-map", []string{"from", "--userns-uid-map", "0:1", "scratch"}, "0:1"},
		{"build-context", []string{"bud", "--build-context", "nonsense", "."}, "nonsense"},
		{"stop-signal", []string{"config", "--stop-signal", "SIGNOPE", "c"}, "SIGNOPE"},
		{"env-name", []string{"config", "--env", "=x", "c"}, "=x"},
		{"decryption-key", []string{"pull", "--decryption-key", "/nonexistent.pem", "oci:img:x"}, "nonexistent.pem"},
		{"unknown-flag", []string{"from", "--bogus", "scratch"}, "bogus"},
		{"workingdir-relative", []string{"run", "--workingdir", "../x", "c", "--", "true"}, "../x"},
	} {
		add("flag/"+c.name, func(t *testing.T, h *hodEnv, _ string) {
			os.WriteFile(filepath.Join(h.dir, "f"), []byte("f"), 0o644)
		}, c.args, 125, c.msg)
	}

	if len(cases) < 60 {
		t.Fatalf("%d hostile inputs, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHodEnv(t)
			canary := filepath.Join(t.TempDir(), "canary-dir")
			os.Mkdir(canary, 0o755)
			os.WriteFile(filepath.Join(canary, "canary"), []byte("canary"), 0o644)
			h.must("from", "--name", "c", "oci:"+shared.busybox+":latest")
			c.setup(t, h, canary)
			_, errs, code := h.run(c.args...)
			if code != c.code || !strings.Contains(errs, c.msg) {
				t.Errorf("hod %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " ")[:min(len(strings.Join(c.args, " ")), 120)], code, errs, c.code, c.msg)
			}
			if code == 125 && (strings.Contains(errs, "panic") || strings.Count(strings.TrimSpace(errs), "\n") > 3) {
				t.Errorf("not one clear error line: %q", errs)
			}
			entries, _ := os.ReadDir(canary)
			data, _ := os.ReadFile(filepath.Join(canary, "canary"))
			if len(entries) != 1 || string(data) != "canary" {
				t.Errorf("the host changed: canary directory holds %d entries, canary reads %q", len(entries), data)
			}
			for _, p := range []string{filepath.Join(h.dir, "evil"), filepath.Join(h.dir, "evildir"), "/evil", "/tmp/evil", "/etc/evil"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was written on the host", p)
				}
			}
			if _, _, code := h.run("images"); code != 0 {
				t.Error("the store does not open afterwards")
			}
		})
	}
}

func manyEntries(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("many/f%d=%d", i, i)
	}
	return out
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// blobPath finds an OCI layout's manifest, config or (first) layer blob.
func blobPath(t *testing.T, dir, which string) string {
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	readJSON(t, filepath.Join(dir, "index.json"), &index)
	manifest := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(index.Manifests[0].Digest, "sha256:"))
	if which == "manifest" {
		return manifest
	}
	var m struct {
		Config struct{ Digest string }   `json:"config"`
		Layers []struct{ Digest string } `json:"layers"`
	}
	readJSON(t, manifest, &m)
	d := m.Config.Digest
	if which == "layer" {
		d = m.Layers[len(m.Layers)-1].Digest
	}
	return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
}

func damageBlob(t *testing.T, dir, which string, data []byte) {
	if err := os.WriteFile(blobPath(t, dir, which), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A commit to a name that does not parse fails before writing anything:
// no unnamed image is left behind (issue 20 item 7).
func TestCommitBadNameWritesNothing(t *testing.T) {
	h := newHodEnv(t)
	h.must("from", "--name", "c", "scratch")
	for _, name := range []string{"a b", "UPPER/case", "x:y:z", "docker://", "oci:"} {
		_, errs, code := h.run("commit", "c", name)
		if code != 125 || !strings.Contains(errs, name) {
			t.Errorf("commit c %q: exit %d, stderr %q; want 125 naming it", name, code, errs)
		}
		if ids := h.must("images", "-a", "-q"); strings.TrimSpace(ids) != "" {
			t.Fatalf("commit c %q left images: %s", name, ids)
		}
	}
}
