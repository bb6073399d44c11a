// Command hod is hod's front. It serves the short calls (images,
// containers, inspect of a working container, config) itself, reading the
// store without the container libraries, which cost every call of the
// full binary 4 ms before it does anything. Every other call, and any
// short call it cannot serve exactly as the full binary would (an error,
// --help, a store that needs cleaning up, a rootless user), it hands over
// by exec to hod-full, installed next to it, with the same arguments: the
// full binary then does the whole call, so both give the same results.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/catalog"
	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/spf13/cobra"
)

// fullName is the full binary's name, next to hod or in ../libexec/hod.
const fullName = "hod-full"

func main() {
	env := &frontEnv{}
	root := short.NewRoot(&env.g)
	root.AddCommand(short.Commands(env)...)
	if os.Geteuid() == 0 && isShortCall(root, os.Args[1:]) && serve(root, env, os.Args[1:]) {
		return
	}
	handOver()
}

// isShortCall says whether args name one of root's commands (the short
// calls), as cobra finds it past the global flags and their values; any
// other call goes to the full binary before the front parses anything.
func isShortCall(root *cobra.Command, args []string) bool {
	c, _, err := root.Find(args)
	return err == nil && c != root
}

// serve runs a short call and reports whether it did; the output is held
// back until the call has succeeded, so a handed-over call prints once.
func serve(root *cobra.Command, env *frontEnv, args []string) bool {
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	if err := root.Execute(); err != nil || !env.served {
		return false
	}
	if _, err := os.Stdout.Write(out.Bytes()); err != nil {
		os.Exit(125) // the call is done (config has written): never twice
	}
	return true
}

// frontEnv reads the store through the catalog and has no full part.
type frontEnv struct {
	g      short.Globals
	served bool // a short call ran: not --help, completion or the root
}

func (e *frontEnv) Catalog() (catalog.Reader, error) {
	switch e.g.LogLevel {
	case "warn", "warning", "error", "fatal", "panic":
	default: // the full binary's debug output is what the user asked for
		return nil, catalog.ErrHandOver
	}
	so, err := storeconf.Resolve(e.g.Opts)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Open(so)
	if err == nil {
		e.served = true
	}
	return cat, err
}

func (e *frontEnv) Full() short.Full { return nil }

// handOver execs the full binary with this call's arguments and
// environment; argv[0] stays, so its usage lines name what the user ran.
func handOver() {
	full, err := fullBinary()
	if err == nil {
		err = syscall.Exec(full, os.Args, os.Environ())
	}
	fmt.Fprintf(os.Stderr, "Error: %v\n", err)
	os.Exit(125)
}

func fullBinary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find hod's own path: %w", err)
	}
	dir := filepath.Dir(exe)
	candidates := []string{filepath.Join(dir, fullName), filepath.Join(dir, "..", "libexec", "hod", fullName)}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s is missing: looked for %s and %s (reinstall hod)", fullName, candidates[0], candidates[1])
}
