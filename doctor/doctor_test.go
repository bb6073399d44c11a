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
