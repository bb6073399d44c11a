package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// eachCommand calls f for every visible command under hod's root but
// help (and below skip, when given).
func eachCommand(t *testing.T, skip string, f func(*cobra.Command)) {
	root, done := New()
	t.Cleanup(done)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == skip {
				continue
			}
			f(sub)
			walk(sub)
		}
	}
	walk(root)
}

// Every command a user runs shows examples in its --help.
func TestEveryCommandHasExamples(t *testing.T) {
	eachCommand(t, "completion", func(c *cobra.Command) {
		if c.Runnable() && c.Example == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
	})
}

// Every usage line says "[flags]" where --help lists flags (buildah's
// help test checks it of every command, completion's too).
func TestUsageLinesShowFlags(t *testing.T) {
	eachCommand(t, "", func(c *cobra.Command) {
		if c.Runnable() && c.HasAvailableFlags() && !strings.Contains(c.UseLine(), "[flags]") {
			t.Errorf("%s: usage %q has no [flags]", c.CommandPath(), c.UseLine())
		}
	})
}
