// Command hod-full is hod with everything: the front (cmd/hod) serves the
// short calls itself and hands every other call to this binary by exec,
// with its arguments as they were. Run directly, it is a complete hod.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hodbuild/hod/cmd"
	"github.com/hodbuild/hod/internal/userns"
	"github.com/hodbuild/hod/run"
	"go.podman.io/storage/pkg/reexec"
	"go.podman.io/storage/pkg/unshare"
)

func main() {
	// containers/storage re-executes this binary for chrooted extraction
	// and mounts, and chroot isolation for runs; those children stop here.
	reexec.Register(run.ChrootCommand, run.ChrootMain)
	reexec.Register(userns.PauseCommand, userns.PauseMain)
	if reexec.Init() {
		return
	}
	// An ordinary user's hod re-executes itself in a user namespace mapped
	// from /etc/subuid and /etc/subgid (or its own ID alone), as buildah
	// does; root needs none.
	// Later calls have joined the namespace the first one made before
	// main (internal/userns), so mounts last from one call to the next.
	userns.SyncEnv()
	if os.Geteuid() != 0 {
		if err := userns.Preflight(); err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(125)
		}
		unshare.MaybeReexecUsingUserNamespace(false)
	}
	userns.EnsureRuntimeDir()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root, closeStore := cmd.New()
	err := root.ExecuteContext(ctx)
	closeStore()
	stop()
	// The pause process keeps this namespace, and the mounts made in it,
	// for the next call; a call that failed (a bad flag, an unknown name)
	// made nothing worth keeping, so it leaves none behind. Started after
	// the work, it still joins this namespace: it is this process's child.
	if err == nil && os.Getenv("_CONTAINERS_USERNS_CONFIGURED") != "" { // hod made this namespace (not a pod's)
		userns.StartPause()
	}
	if msg := cmd.Message(err); msg != "" {
		fmt.Fprintln(os.Stderr, msg)
	}
	os.Exit(cmd.ExitCode(err))
}
