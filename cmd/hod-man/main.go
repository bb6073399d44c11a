// Command hod-man writes hod's man pages (hod(1), hod-COMMAND(1)) into the
// directory it is given: "make man" regenerates man/ with it, and
// cmd's TestManPagesCurrent keeps man/ current.
package main

import (
	"fmt"
	"os"

	"github.com/hodbuild/hod/cmd"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hod-man DIR")
		os.Exit(2)
	}
	if err := cmd.ManPages(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
