package mount

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No -v value may panic, and a parsed one is a bind to an absolute target.
func FuzzParseVolume(f *testing.F) {
	dir := f.TempDir()
	for _, s := range []string{dir + ":/data", dir + ":/data:ro", dir + ":/d:z,ro", "::", "a:b:c:d", dir + ":rel", ":/x:U"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseVolume(spec)
		if err == nil && (m.Type != "bind" || !strings.HasPrefix(m.Destination, "/")) {
			t.Errorf("ParseVolume(%q) = %+v", spec, m)
		}
	})
}

// No --mount value may panic, and cache directories stay under their root.
func FuzzParseMount(f *testing.F) {
	root := f.TempDir()
	for _, s := range []string{"type=bind,src=/tmp,dst=/x,ro", "type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777",
		"type=cache,id=../../x,target=/c", "type=cache,dst=/c,rw", "dst=/x", "type=bind,src=/nonexistent,dst=/x", ",,,="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseMount(spec, Roots{Cache: root})
		if err != nil {
			return
		}
		if !strings.HasPrefix(m.Destination, "/") {
			t.Errorf("ParseMount(%q): destination %q not absolute", spec, m.Destination)
		}
		entries, _ := os.ReadDir(filepath.Dir(root))
		if len(entries) > 1 {
			t.Errorf("ParseMount(%q) wrote next to the cache root", spec)
		}
	})
}

func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"type=bind,src=/a,dst=/b,ro", `id=x,src="a,b"`, `"`, ",,=,", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		_, _, _ = ParseFields(spec)
	})
}
