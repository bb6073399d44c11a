package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// runOCI runs the process with one "runc run" (or another runtime's): it
// creates, starts, waits for and deletes the container in one invocation.
func runOCI(ctx context.Context, c *Container, bundle string, s *rspec.Spec, opts RunOptions) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o600); err != nil {
		return err
	}
	runtime := firstOf(opts.Runtime, "runc")
	state := filepath.Join(c.store.RunRoot(), "hod-runtime")
	id := filepath.Base(bundle)
	args := append(append([]string{"--root", state}, opts.RuntimeFlags...), "run", "--bundle", bundle, id)
	cmd := exec.Command(runtime, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run in %s: start %s: %w", c.Name, runtime, err)
	}
	err = waitForwarding(ctx, cmd)
	// A killed runtime leaves its state; delete it so nothing leaks.
	if _, serr := os.Stat(filepath.Join(state, id)); serr == nil {
		_ = exec.Command(runtime, "--root", state, "delete", "--force", id).Run()
	}
	return err
}

// waitForwarding waits for cmd, passing a cancelled context (SIGINT,
// SIGTERM to hod) on as SIGTERM, and turns a non-zero exit into *ExitError.
func waitForwarding(ctx context.Context, cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		err = <-done
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
