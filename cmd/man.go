package cmd

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra/doc"
)

// manDate is the date the man pages carry: fixed, so that generating them
// twice gives the same files and man/ can be checked like completions/.
var manDate = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// ManPages writes hod(1) and hod-COMMAND(1) for every visible command,
// subcommands included (hod-manifest-create.1), into dir, from the same
// cobra tree the binary runs: its usage, flags, examples and help text.
func ManPages(dir string) error {
	// The tree names itself, and cobra's completion help, after the name
	// it runs as (argv[0]): the pages are hod's, whoever writes them.
	argv0 := os.Args[0]
	os.Args[0] = "hod"
	root, closeStore := New()
	os.Args[0] = argv0
	defer closeStore()
	root.DisableAutoGenTag = true
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	header := &doc.GenManHeader{Section: "1", Source: "hod", Manual: "hod manual", Date: &manDate}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return nil
}
