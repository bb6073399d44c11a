package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/spf13/cobra"
)

func frontRoot() *cobra.Command {
	env := &frontEnv{}
	root := short.NewRoot(&env.g)
	root.AddCommand(short.Commands(env)...)
	return root
}

// The call is the first argument that is not a global flag or its value,
// whatever the arguments.
func FuzzIsShortCall(f *testing.F) {
	for _, s := range []string{"images", "--root /r images -q", "--root", "--log-level=debug config x", "--storage-opt a --storage-opt", "-- images", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		served := isShortCall(frontRoot(), args)
		named := slices.ContainsFunc(args, func(a string) bool { return slices.Contains(shortNames, a) })
		if served && !named {
			t.Errorf("isShortCall(%q) without a short call's name", args)
		}
	})
}

// shortNames are the short calls' names and aliases.
var shortNames = []string{"images", "containers", "ps", "ls", "inspect", "config"}

func TestIsShortCall(t *testing.T) {
	for line, want := range map[string]bool{
		"images":                                 true,
		"--root /r --runroot /s images -q":       true,
		"--log-level=debug config --env A=1 ctr": true,
		"--root images version":                  false,
		"ps":                                     true,
		"--storage-driver overlay --help":        false,
		"--root":                                 false,
		"version":                                false,
	} {
		if got := isShortCall(frontRoot(), strings.Fields(line)); got != want {
			t.Errorf("isShortCall(%q) = %v, want %v", line, got, want)
		}
	}
}
