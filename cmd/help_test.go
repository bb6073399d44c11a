package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command a user runs shows examples in its --help.
func TestEveryCommandHasExamples(t *testing.T) {
	root, done := New()
	defer done()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			if sub.Runnable() && sub.Example == "" {
				t.Errorf("%s has no examples", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
}

// Every usage line says "[flags]" where --help lists flags (buildah's
// help test checks it of every command, completion's too).
func TestUsageLinesShowFlags(t *testing.T) {
	root, done := New()
	defer done()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			if sub.Runnable() && sub.HasAvailableFlags() && !strings.Contains(sub.UseLine(), "[flags]") {
				t.Errorf("%s: usage %q has no [flags]", sub.CommandPath(), sub.UseLine())
			}
			walk(sub)
		}
	}
	walk(root)
}
