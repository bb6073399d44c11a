package cmd

import (
	"os"
	"path/filepath"
	"testing"
)

// TestManPagesCurrent checks that man/man1 holds exactly what the current
// command tree generates (regenerate with "make man"): a page per visible
// command, none left over from a removed one.
func TestManPagesCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := ManPages(dir); err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Glob(filepath.Join("..", "man", "man1", "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d pages generated, %d in man/man1: run make man", len(got), len(want))
	}
	for _, g := range got {
		current, _ := os.ReadFile(g)
		checked, err := os.ReadFile(filepath.Join("..", "man", "man1", filepath.Base(g)))
		if err != nil || string(current) != string(checked) {
			t.Errorf("man/man1/%s is stale or missing: run make man", filepath.Base(g))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "hod-commit.1")); err != nil {
		t.Errorf("no hod-commit(1): %v", err)
	}
}
