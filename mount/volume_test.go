package mount

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseVolume(t *testing.T) {
	src := t.TempDir()
	for _, tc := range []struct {
		spec    string
		ro      bool
		wantErr bool
	}{
		{spec: src + ":/data"},
		{spec: src + ":/data:ro", ro: true},
		{spec: src + ":/data:rw,z"},
		{spec: src + ":relative", wantErr: true},
		{spec: src + "/missing:/data", wantErr: true},
		{spec: src + ":/data:bogus", wantErr: true},
		{spec: "/only-one-part", wantErr: true},
	} {
		m, err := ParseVolume(tc.spec)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseVolume(%q) error %v, wantErr %v", tc.spec, err, tc.wantErr)
			continue
		}
		if err == nil && slices.Contains(m.Options, "ro") != tc.ro {
			t.Errorf("ParseVolume(%q) options %v, want ro=%v", tc.spec, m.Options, tc.ro)
		}
	}
}

func TestParseMountCache(t *testing.T) {
	root := t.TempDir()
	a, err := ParseMount("type=cache,id=go,dst=/root/.cache", Roots{Cache: root})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseMount("type=cache,id=go,target=/other,ro", Roots{Cache: root})
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != b.Source || !slices.Contains(b.Options, "ro") {
		t.Errorf("same cache id gave %q and %q (options %v)", a.Source, b.Source, b.Options)
	}
	if _, err := os.Stat(a.Source); err != nil || filepath.Dir(a.Source) != root {
		t.Errorf("cache directory %q not created under %q: %v", a.Source, root, err)
	}
	for _, bad := range []string{"type=volume,dst=/x", "type=tmpfs", "type=tmpfs,dst=/x,frob"} {
		if _, err := ParseMount(bad, Roots{Cache: root}); err == nil {
			t.Errorf("ParseMount(%q) succeeded, want an error", bad)
		}
	}
}

func TestTargetsLeaveNoTrace(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(root, "slash")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tg := &Targets{Root: root}
	err := tg.Prepare(mounts(bind(t.TempDir(), "/a/b/c"), bind(file, "/etc/hosts"), bind(t.TempDir(), "/slash/via-link"), bind(t.TempDir(), "/a/b/c/under")))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a/b/c", "etc/hosts", "via-link"} {
		if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
			t.Errorf("target %s not created: %v", p, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "a/b/c/under")); err == nil {
		t.Error("a target below another mount was created in the rootfs")
	}
	tg.Remove()
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"etc", "slash"}) {
		t.Errorf("rootfs after Remove holds %v, want [etc slash]", names)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/hosts")); err == nil {
		t.Error("etc/hosts left behind")
	}
}

func mounts(ms ...rspec.Mount) []rspec.Mount { return ms }

func TestParseFields(t *testing.T) {
	kv, flags, err := ParseFields(`type=secret,ID=npm,"src=/a,b",ro`)
	if err != nil || kv["type"] != "secret" || kv["id"] != "npm" || kv["src"] != "/a,b" || len(flags) != 1 || flags[0] != "ro" {
		t.Errorf("ParseFields = %v, %v, %v", kv, flags, err)
	}
}

// run --contextdir: a bind source is a path inside the context directory,
// and neither ".." nor a symlink takes it out.
func TestParseMountContextDir(t *testing.T) {
	ctx := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ctx, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(ctx, "out")); err != nil {
		t.Fatal(err)
	}
	m, err := ParseMount("type=bind,src=src,dst=/s", Roots{Context: ctx})
	if err != nil || m.Source != filepath.Join(ctx, "src") {
		t.Fatalf("source %q, %v; want %q", m.Source, err, filepath.Join(ctx, "src"))
	}
	for _, escape := range []string{"../../../etc", "/etc", "out"} {
		m, err := ParseMount("type=bind,src="+escape+",dst=/s", Roots{Context: ctx})
		if err == nil && !strings.HasPrefix(m.Source, ctx+"/") {
			t.Errorf("source %q resolved to %q, outside %q", escape, m.Source, ctx)
		}
	}
}
