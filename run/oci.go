package run

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage/storeconf"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// runOCI runs the process with one "runc run" (or another runtime's): it
// creates, starts, waits for and deletes the container in one invocation.
func runOCI(ctx context.Context, c *container.Container, bundle string, s *rspec.Spec, opts Options) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o600); err != nil {
		return err
	}
	runtime := cmp.Or(opts.Runtime, "runc")
	state := storeconf.RuntimeStateDir(c.Store().RunRoot())
	id := filepath.Base(bundle)
	if err := note(bundle, "runtime", runtime+"\n"+state); err != nil {
		return err
	}
	args := append(append(append(append([]string{"--root", state}, opts.RuntimeFlags...), "run"), opts.RunFlags...), "--bundle", bundle, id)
	cmd := exec.Command(runtime, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	copied := func() {}
	if s.Process.Terminal {
		if copied, err = giveTerminal(cmd); err != nil {
			return fmt.Errorf("run in %s: %w", c.Name, err)
		}
	}
	if err := cmd.Start(); err != nil {
		copied()
		return fmt.Errorf("run in %s: start %s: %w", c.Name, runtime, err)
	}
	err = waitForwarding(ctx, cmd, func() {
		_ = exec.Command(runtime, "--root", state, "kill", "--all", id, "KILL").Run()
	})
	copied()
	// A killed runtime leaves its state; delete it so nothing leaks.
	if _, serr := os.Stat(filepath.Join(state, id)); serr == nil {
		_ = exec.Command(runtime, "--root", state, "delete", "--force", id).Run()
	}
	return err
}

// stopGrace is how long a stopped run may take to exit after SIGTERM
// before it is killed: a command running as PID 1 ignores SIGTERM unless
// it handles it.
const stopGrace = 2 * time.Second

// waitForwarding waits for cmd. A cancelled context (SIGINT or SIGTERM to
// hod) is passed on as SIGTERM, then kill() ends the run after stopGrace.
// A non-zero exit becomes *ExitError.
func waitForwarding(ctx context.Context, cmd *exec.Cmd, kill func()) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err = <-done:
		case <-time.After(stopGrace):
			kill()
			err = <-done
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code := exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &ExitError{Code: code}
	}
	return err
}
