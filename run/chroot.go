package run

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hodbuild/hod/container"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/reexec"
)

// ChrootCommand is the re-exec name of chroot isolation's child; main
// registers ChrootMain under it.
const ChrootCommand = "hod-chroot"

// chrootConfig is what the parent hands the child over a pipe. Mount
// targets are already resolved to host paths inside the rootfs.
type chrootConfig struct {
	Root     string
	Args     []string
	Env      []string
	Cwd      string
	Owner    container.Owner
	Groups   []int
	Hostname string
	Network  Network
	Mounts   []rspec.Mount
	Caps     []string
	// Masked and Readonly are the spec's masked and read-only paths.
	Masked   []string
	Readonly []string
	// HostUTS shares the host's UTS namespace: the hostname is not set.
	HostUTS bool
	Rlimits []rspec.POSIXRlimit
	// ShmOption is /dev/shm's size option.
	ShmOption string
}

// runChroot runs the process without any runtime binary: hod re-executes
// itself into new namespaces, where ChrootMain builds the container.
func runChroot(ctx context.Context, root string, p *process, mounts []rspec.Mount, reach bool, opts Options) error {
	cfg := chrootConfig{Root: root, Args: p.args, Env: p.env, Cwd: p.cwd, Owner: p.owner, Groups: p.groups, Hostname: p.hostname, Network: opts.Network,
		HostUTS: slices.Contains(opts.HostNamespaces, "uts"), Rlimits: opts.Rlimits}
	var err error
	if cfg.ShmOption, err = opts.shmOption(); err != nil {
		return err
	}
	for _, m := range mounts {
		target, err := securejoin.SecureJoin(root, m.Destination)
		if err != nil {
			return err
		}
		m.Destination = target
		cfg.Mounts = append(cfg.Mounts, m)
	}
	g, err := confinement(opts)
	if err != nil {
		return err
	}
	cfg.Caps = g.Config.Process.Capabilities.Bounding
	cfg.Masked, cfg.Readonly = g.Config.Linux.MaskedPaths, g.Config.Linux.ReadonlyPaths
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := reexec.Command(ChrootCommand)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	cmd.ExtraFiles = []*os.File{r}
	flags := syscall.CLONE_NEWNS
	for ns, flag := range map[string]int{"pid": syscall.CLONE_NEWPID, "uts": syscall.CLONE_NEWUTS, "ipc": syscall.CLONE_NEWIPC} {
		if !slices.Contains(opts.HostNamespaces, ns) {
			flags |= flag
		}
	}
	if opts.Network != NetworkHost {
		flags |= syscall.CLONE_NEWNET
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: uintptr(flags), Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("start chroot isolation: %w", err)
	}
	if err := noteProcess(opts.bundle, cmd.Process.Pid); err != nil {
		logrus.Debugf("note the run's process: %v", err)
	}
	// The child waits for its configuration: its network is connected first.
	if reach {
		out, cerr := connect("", cmd.Process.Pid)
		if cerr == nil {
			defer out.close()
		}
		err = cerr
	}
	if err == nil {
		err = json.NewEncoder(w).Encode(cfg)
	}
	w.Close()
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	// The child is PID 1 of its namespace: killing it ends every process in it.
	return waitForwarding(ctx, cmd, func() { _ = cmd.Process.Kill() })
}

// chrootMounts are the file systems chroot isolation mounts itself; their
// targets are prepared (and removed) like any other run-only mount point.
func chrootMounts() []rspec.Mount {
	return []rspec.Mount{{Destination: "/proc"}, {Destination: "/dev"}, {Destination: "/sys"}}
}

// ChrootMain is the child of chroot isolation, PID 1 of its new PID
// namespace. It never returns: it execs the command or exits 125 (setup
// failed) or 126/127.
func ChrootMain() {
	// Capabilities and the bounding set belong to a thread: the one that
	// drops them must be the one that execs the command.
	runtime.LockOSThread()
	var cfg chrootConfig
	if err := json.NewDecoder(os.NewFile(3, "config")).Decode(&cfg); err != nil {
		fail(125, "read chroot configuration: %v", err)
	}
	if err := setupRoot(cfg); err != nil {
		fail(125, "chroot isolation: %v", err)
	}
	if err := enter(cfg); err != nil {
		fail(125, "chroot isolation: %v", err)
	}
	execCommand(cfg)
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", args...)
	os.Exit(code)
}
