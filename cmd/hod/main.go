// Command hod builds OCI container images without a daemon.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hodbuild/hod/cmd"
	"go.podman.io/storage/pkg/reexec"
)

func main() {
	// containers/storage re-executes this binary for chrooted extraction
	// and mounts; those children must stop here.
	if reexec.Init() {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root, closeStore := cmd.New()
	err := root.ExecuteContext(ctx)
	closeStore()
	stop()
	var exit *cmd.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "Error:", err)
	}
	os.Exit(cmd.ExitCode(err))
}
