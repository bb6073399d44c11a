package run

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// giveTerminal makes sure a runtime asked for a terminal (--terminal) has
// one of its own to attach the container's to. runc's foreground mode
// copies between its controlling terminal and the container's pty and
// fails ("open /dev/tty") without one, which is every script and CI job:
// buildah gives its runtime a pty then, and so does hod. When hod's own
// stdin is a terminal, runc uses it directly and nothing is done. The
// returned wait blocks until the output has been copied.
func giveTerminal(cmd *exec.Cmd) (wait func(), err error) {
	if f, ok := cmd.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return func() {}, nil
	}
	master, slave, err := openPty()
	if err != nil {
		return nil, fmt.Errorf("allocate a terminal: %w", err)
	}
	in, out := cmd.Stdin, cmd.Stdout
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if in != nil {
		go func() { _, _ = io.Copy(master, in) }()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if out == nil {
			out = io.Discard
		}
		// Ends with EIO once the last holder of the slave is gone.
		_, _ = io.Copy(out, master)
	}()
	return func() {
		slave.Close()
		<-done
		master.Close()
	}, nil
}

// openPty opens a new pseudo-terminal pair through /dev/ptmx.
func openPty() (master, slave *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
