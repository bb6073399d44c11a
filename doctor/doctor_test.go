package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSubIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(file, []byte("other:1:2\nbuilder:100000:65536\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := subIDs(file, "builder", "--add-subuids"); !c.OK || c.Fix != "" {
		t.Errorf("builder: %+v, want OK", c)
	}
	c := subIDs(file, "nobody", "--add-subuids")
	if c.OK || !strings.Contains(c.Fix, "usermod --add-subuids 100000-165535 nobody") || !strings.Contains(c.Fix, "nobody:100000:65536") {
		t.Errorf("nobody: %+v, want the usermod command and the line to add", c)
	}
}

func TestRunReportsStore(t *testing.T) {
	checks := Run(0, func() (string, string, error) { return "vfs", "/x", nil })
	last := checks[len(checks)-1]
	if last.Name != "storage" || !last.OK || last.Detail != "vfs driver at /x" {
		t.Errorf("storage check %+v", last)
	}
}

// Overlapping ranges of one user pass a per-line check, but newuidmap
// refuses them and hod silently maps one ID: doctor names the two ranges.
func TestSubIDsOverlap(t *testing.T) {
	for _, tc := range []struct {
		name, lines string
		ok          bool
		detail      string
	}{
		{"one range", "b:100000:65536\n", true, "range 100000+65536 for b"},
		{"two apart", "b:100000:65536\nb:200000:1000\n", true, "ranges 100000+65536, 200000+1000 for b"},
		{"overlapping", "b:100000:65536\nb:120000:65536\n", false, "100000+65536, 120000+65536 for b overlap"},
		{"same twice", "b:100000:65536\nb:100000:65536\n", false, "overlap"},
		{"other user's overlap is theirs", "a:100000:65536\nb:120000:65536\n", true, "range 120000+65536 for b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "subuid")
			if err := os.WriteFile(file, []byte(tc.lines), 0o644); err != nil {
				t.Fatal(err)
			}
			c := subIDs(file, "b", "--add-subuids")
			if c.OK != tc.ok || !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("%+v, want OK=%v and %q", c, tc.ok, tc.detail)
			}
			if !c.OK && !strings.Contains(c.Fix, "pkill -u b hod-pause") {
				t.Errorf("fix %q does not say to restart the pause process", c.Fix)
			}
		})
	}
}

// The namespace's own map is the proof: one ID mapped while the user has
// ranges is a failed newuidmap, whatever the cause.
func TestMapped(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "subuid")
	if err := os.WriteFile(file, []byte("b:100000:65536\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, procMap string
		ok            bool
	}{
		{"ranges mapped", "         0       1001          1\n         1     100000      65536\n", true},
		{"fell back to one ID", "         0       1001          1\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := filepath.Join(t.TempDir(), "uid_map")
			if err := os.WriteFile(m, []byte(tc.procMap), 0o644); err != nil {
				t.Fatal(err)
			}
			c := mapped(m, file, "b")
			if c.OK != tc.ok {
				t.Errorf("%+v, want OK=%v", c, tc.ok)
			}
			if !c.OK && !strings.Contains(c.Detail, "only your own ID is mapped, not the range 100000+65536") {
				t.Errorf("detail %q", c.Detail)
			}
		})
	}
}
