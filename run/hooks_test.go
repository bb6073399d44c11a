package run

import (
	"os"
	"path/filepath"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

func writeHook(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Hooks are added by their when conditions (all of them, or any with
// "or"); a later directory's file replaces an earlier one of that name.
func TestAddHooks(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeHook(t, a, "always.json", `{"version":"1.0.0","hook":{"path":"/bin/a"},"when":{"always":true},"stages":["prestart","poststop"]}`)
	writeHook(t, a, "shadowed.json", `{"version":"1.0.0","hook":{"path":"/bin/old"},"when":{"always":true},"stages":["prestart"]}`)
	writeHook(t, b, "shadowed.json", `{"version":"1.0.0","hook":{"path":"/bin/new"},"when":{"commands":["^/bin/sh$"]},"stages":["createRuntime"]}`)
	writeHook(t, b, "and.json", `{"version":"1.0.0","hook":{"path":"/bin/and"},"when":{"commands":["sh"],"hasBindMounts":true},"stages":["poststart"]}`)
	writeHook(t, b, "or.json", `{"version":"1.0.0","hook":{"path":"/bin/or"},"when":{"commands":["nomatch"],"hasBindMounts":false,"or":true},"stages":["startContainer"]}`)
	s := &rspec.Spec{Process: &rspec.Process{Args: []string{"/bin/sh", "-c", "true"}}}
	if err := addHooks(s, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	h := s.Hooks
	if len(h.Prestart) != 1 || h.Prestart[0].Path != "/bin/a" || len(h.Poststop) != 1 { //nolint:staticcheck
		t.Errorf("prestart %v poststop %v, want /bin/a in both", h.Prestart, h.Poststop) //nolint:staticcheck
	}
	if len(h.CreateRuntime) != 1 || h.CreateRuntime[0].Path != "/bin/new" {
		t.Errorf("createRuntime %v, want the later directory's /bin/new", h.CreateRuntime)
	}
	if len(h.Poststart) != 0 {
		t.Errorf("poststart %v: and.json needs a bind mount too", h.Poststart)
	}
	if len(h.StartContainer) != 1 {
		t.Errorf("startContainer %v: or.json matches on hasBindMounts=false", h.StartContainer)
	}
}

func TestAddHooksRejects(t *testing.T) {
	for name, body := range map[string]string{
		"version":  `{"version":"2.0.0","hook":{"path":"/bin/a"},"when":{"always":true},"stages":["prestart"]}`,
		"relative": `{"version":"1.0.0","hook":{"path":"a"},"when":{"always":true},"stages":["prestart"]}`,
		"stage":    `{"version":"1.0.0","hook":{"path":"/bin/a"},"when":{"always":true},"stages":["later"]}`,
		"when":     `{"version":"1.0.0","hook":{"path":"/bin/a"},"when":{},"stages":["prestart"]}`,
		"regexp":   `{"version":"1.0.0","hook":{"path":"/bin/a"},"when":{"commands":["("]},"stages":["prestart"]}`,
		"json":     `{"version":`,
	} {
		dir := t.TempDir()
		writeHook(t, dir, name+".json", body)
		if err := addHooks(&rspec.Spec{Process: &rspec.Process{Args: []string{"x"}}}, []string{dir}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := addHooks(&rspec.Spec{}, []string{"/nonexistent-hooks"}); err == nil {
		t.Error("a missing --hooks-dir was accepted")
	}
}
