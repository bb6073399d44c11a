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
		// buildah's options: propagation, SELinux (ignored), U, overlays.
		{spec: src + ":/data:rw,rshared"},
		{spec: src + ":/data:z,U"},
		{spec: src + ":/data:O"},
		{spec: src + ":/data:O,upperdir=/u,workdir=/w"},
		{spec: src + ":/data:O,upperdir=/u", wantErr: true},
		// An empty or relative source would be the working directory:
		// "-v $UNSET:/x" must not expose it (issue 20).
		{spec: ":/x", wantErr: true},
		{spec: "rel:/x", wantErr: true},
		{spec: ".:/x", wantErr: true},
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
	// As buildah and Docker: the network files of /etc stay, empty.
	if fi, err := os.Lstat(filepath.Join(root, "etc/hosts")); err != nil || fi.Size() != 0 {
		t.Errorf("etc/hosts after Remove: %v %v, want an empty file", fi, err)
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

// -v SRC:DST:O is an overlay whose lower layer is SRC; without upperdir a
// run's directory gets throw-away upper and work directories.
func TestOverlayVolume(t *testing.T) {
	src, run := t.TempDir(), t.TempDir()
	m, err := ParseVolume(src + ":/data:O,ro")
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "overlay" || m.Options[0] != "lowerdir="+src || !slices.Contains(m.Options, "ro") {
		t.Fatalf("ParseVolume(O,ro) = %+v", m)
	}
	got, err := OverlayDirs([]rspec.Mount{m}, run)
	if err != nil {
		t.Fatal(err)
	}
	var upper string
	for _, o := range got[0].Options {
		if v, ok := strings.CutPrefix(o, "upperdir="); ok {
			upper = v
		}
	}
	if !strings.HasPrefix(upper, run) {
		t.Errorf("upperdir %q is not in the run's directory %s", upper, run)
	}
	if _, err := os.Stat(upper); err != nil {
		t.Error(err)
	}
	kept, _ := ParseVolume(src + ":/data:O,upperdir=/u,workdir=/w")
	if again, _ := OverlayDirs([]rspec.Mount{kept}, run); !slices.Equal(again[0].Options, kept.Options) {
		t.Errorf("OverlayDirs changed an overlay with its own upperdir: %v", again[0].Options)
	}
}

// U marks the source for the caller, and the mark never reaches a runtime.
func TestTakeChown(t *testing.T) {
	src := t.TempDir()
	m, err := ParseVolume(src + ":/data:U")
	if err != nil {
		t.Fatal(err)
	}
	out, sources := TakeChown([]rspec.Mount{m})
	if !slices.Equal(sources, []string{src}) || slices.Contains(out[0].Options, ChownOption) {
		t.Errorf("TakeChown = %v, %v", out, sources)
	}
}

// A bind --mount needs an absolute source (issue 20: no source meant the
// working directory), and takes buildah's z/Z flags.
func TestParseMountBindSource(t *testing.T) {
	src := t.TempDir()
	for _, tc := range []struct {
		spec    string
		wantErr bool
	}{
		{"type=bind,target=/x", true},
		{"type=bind,src=rel,target=/x", true},
		{"type=bind,src=" + src + ",target=/x,z", false},
		{"type=cache,target=/x,Z", false},
	} {
		if _, err := ParseMount(tc.spec, Roots{Cache: t.TempDir()}); (err != nil) != tc.wantErr {
			t.Errorf("ParseMount(%q) error %v, wantErr %v", tc.spec, err, tc.wantErr)
		}
	}
}
