package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCompletionsCurrent checks that completions/ holds what the current
// hod generates (regenerate with "make completions").
func TestCompletionsCurrent(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		want, err := os.ReadFile(filepath.Join("..", "completions", "hod."+shell))
		if err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(filepath.Join(shared.bin, "hod"), "completion", shell).Output()
		if err != nil {
			t.Fatalf("hod completion %s: %v", shell, err)
		}
		if string(got) != string(want) {
			t.Errorf("completions/hod.%s is stale: run make completions", shell)
		}
	}
}
