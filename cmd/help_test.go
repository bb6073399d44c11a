package cmd

import (
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
