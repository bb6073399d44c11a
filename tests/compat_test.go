package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBuildahCompat runs every case of compat/cases.txt with hod and with
// /usr/bin/buildah, each on a fresh store, and compares the exit status
// and the normalized output (IDs, digests, times and paths masked). A case
// listed in compat/known.txt is a known, justified difference: it still
// runs, its difference is logged with the reason, and it fails if the
// difference is gone (so the list stays true).
func TestBuildahCompat(t *testing.T) {
	buildah, err := exec.LookPath("buildah")
	if err != nil {
		t.Skip("buildah needed")
	}
	cases := readCases(t, "compat/cases.txt")
	known := readKnown(t, "compat/known.txt")
	if len(cases) < 150 {
		t.Errorf("%d cases, want at least 150", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := runCase(t, buildah, c.script)
			got := runCase(t, filepath.Join(shared.bin, "hod"), c.script)
			reason, isKnown := known[c.name]
			switch {
			case got == want && isKnown:
				t.Errorf("listed in known.txt (%s) but hod now behaves as buildah: remove it", reason)
			case got != want && isKnown:
				t.Logf("known difference: %s", reason)
			case got != want:
				t.Errorf("hod differs from buildah\n--- buildah\n%s\n--- hod\n%s", want, got)
			}
		})
	}
	for name := range known {
		if !hasCase(cases, name) {
			t.Errorf("known.txt names %q, which is no case", name)
		}
	}
}

type compatCase struct{ name, script string }

// readCases reads "== NAME" headed blocks of shell; $B is the tool.
func readCases(t *testing.T, file string) []compatCase {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cases []compatCase
	for _, block := range strings.Split("\n"+string(data), "\n== ")[1:] {
		name, script, _ := strings.Cut(block, "\n")
		if hasCase(cases, name) {
			t.Fatalf("case %q twice", name)
		}
		cases = append(cases, compatCase{strings.TrimSpace(name), script})
	}
	return cases
}

func hasCase(cases []compatCase, name string) bool {
	for _, c := range cases {
		if c.name == name {
			return true
		}
	}
	return false
}

// readKnown reads "NAME: reason" lines.
func readKnown(t *testing.T, file string) map[string]string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("known.txt: %q has no reason", line)
		}
		known[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	return known
}

// runCase runs script with $B=tool in a fresh store and working directory
// holding a few files, and returns "exit N" and the normalized output.
func runCase(t *testing.T, tool, script string) string {
	dir := t.TempDir()
	defer unmountUnder(dir)
	conf := filepath.Join(dir, "storage.conf")
	text := fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n", filepath.Join(dir, "root"), filepath.Join(dir, "run"))
	for name, content := range map[string]string{conf: text, "work/a.txt": "a\n", "work/b.txt": "b\n", "work/dir/c.txt": "c\n",
		"work/Dockerfile": "FROM scratch\nCOPY a.txt /a.txt\nENV A=1\n", "work/policy.json": `{"default":[{"type":"insecureAcceptAnything"}]}`} {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = filepath.Join(dir, "work")
	cmd.Env = append(os.Environ(), "B="+tool, "CONTAINERS_STORAGE_CONF="+conf, "BUILDAH_RUNTIME=runc",
		"CONTAINERS_POLICY_JSON="+filepath.Join(dir, "work/policy.json"), "XDG_RUNTIME_DIR="+dir, "HOME="+dir,
		"BUSYBOX="+shared.busybox, "TZ=UTC")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, nil
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("exit %d\n%s", code, normalize(out.String(), dir))
}

var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`sha256:[0-9a-f]{64}`), "sha256:DIGEST"},
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "ID64"},
	{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "ID12"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "TIME"},
	{regexp.MustCompile(`(?i)(about )?(an?|\d+|less than a) (second|minute|hour)s? ago`), "AGO"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d{1,2}, \d{4} \d\d:\d\d`), "DATE"},
	{regexp.MustCompile(`\d+(\.\d+)? ?[kKMG]?B\b`), "SIZE"},
	// Table columns are as wide as their widest value, and sizes differ
	// (buildah adds an io.buildah.version label): spacing is not compared.
	{regexp.MustCompile(` {2,}`), "  "},
}

func normalize(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "DIR")
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}
