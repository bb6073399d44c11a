package main

import (
	"slices"
	"strings"
	"testing"
)

// The call is the first argument that is not a global flag or its value,
// whatever the arguments.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{"images", "--root /r images -q", "--root", "--log-level=debug config x", "--storage-opt a --storage-opt", "-- images", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		got := command(args)
		if got != "" && (!slices.Contains(args, got) || strings.HasPrefix(got, "-")) {
			t.Errorf("command(%q) = %q", args, got)
		}
	})
}

func TestCommand(t *testing.T) {
	for line, want := range map[string]string{
		"images":                                 "images",
		"--root /r --runroot /s images -q":       "images",
		"--log-level=debug config --env A=1 ctr": "config",
		"--storage-driver overlay --help":        "",
		"--root":                                 "",
		"version":                                "version",
	} {
		if got := command(strings.Fields(line)); got != want {
			t.Errorf("command(%q) = %q, want %q", line, got, want)
		}
	}
}
