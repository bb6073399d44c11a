package run

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/moby/sys/capability"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setupRoot builds the container's mounts in the child's own mount
// namespace: nothing here is visible on the host or survives the run.
// Each error names the step and the path it failed on.
func setupRoot(cfg chrootConfig) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount(cfg.Root, cfg.Root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s: %w", cfg.Root, err)
	}
	if err := remountNodev(cfg.Root); err != nil {
		return err
	}
	proc, err := mountIfDir(filepath.Join(cfg.Root, "proc"), "proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC)
	if errors.Is(err, unix.EPERM) {
		// In a container whose runtime masked parts of /proc (a pod), the
		// kernel refuses a user namespace a fresh proc that would reveal
		// them: the masked one is bound instead, masks and all.
		proc, err = mountIfDir(filepath.Join(cfg.Root, "proc"), "/proc", "", unix.MS_BIND|unix.MS_REC)
	}
	if err != nil {
		return err
	}
	sys, err := mountIfDir(filepath.Join(cfg.Root, "sys"), "/sys", "", unix.MS_BIND|unix.MS_REC)
	if err != nil {
		return err
	}
	if sys {
		if err := readOnlyTree(filepath.Join(cfg.Root, "sys")); err != nil {
			return err
		}
	}
	if err := confine(cfg, map[string]bool{"proc": proc, "sys": sys}); err != nil {
		return err
	}
	if err := setupDev(filepath.Join(cfg.Root, "dev"), cfg.ShmOption); err != nil {
		return err
	}
	for _, m := range cfg.Mounts {
		if err := mountSpec(m); err != nil {
			return err
		}
	}
	if cfg.Network != NetworkHost {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("bring up loopback: %w", err)
		}
	}
	if cfg.HostUTS {
		return nil
	}
	if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("set hostname %q: %w", cfg.Hostname, err)
	}
	return nil
}

// mountIfDir mounts on target if the image has that directory (creating
// one would change the image) and reports whether it did.
func mountIfDir(target, source, fstype string, flags uintptr) (bool, error) {
	if fi, err := os.Lstat(target); err != nil || !fi.IsDir() {
		return false, nil
	}
	if err := unix.Mount(source, target, fstype, flags, ""); err != nil {
		return false, fmt.Errorf("mount %s on %s: %w", source, target, err)
	}
	return true, nil
}

// readOnlyTree makes a mount and every mount below it read-only: a plain
// read-only remount would leave the host's /sys/fs/cgroup writable.
func readOnlyTree(target string) error {
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(-1, target, unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("make %s read-only: %w", target, err)
	}
	return nil
}

// confine masks and freezes the spec's paths. They all lie under /proc
// or /sys; only those mounted here are touched, so a rootfs without them
// (or with a symlink there) gets nothing mounted through it.
func confine(cfg chrootConfig, mounted map[string]bool) error {
	inside := func(p string) (string, bool) {
		top, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		target := filepath.Join(cfg.Root, p)
		_, err := os.Lstat(target)
		return target, mounted[top] && err == nil
	}
	for _, p := range cfg.Masked {
		if target, ok := inside(p); ok {
			if err := mask(target); err != nil {
				return err
			}
		}
	}
	for _, p := range cfg.Readonly {
		if target, ok := inside(p); ok {
			if err := unix.Mount(target, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
				return fmt.Errorf("bind %s: %w", p, err)
			}
			if err := readOnlyTree(target); err != nil {
				return err
			}
		}
	}
	return nil
}

// mask hides a directory under an empty read-only tmpfs and a file under
// /dev/null, as runc does.
func mask(target string) error {
	fi, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("mask %s: %w", target, err)
	}
	if fi.IsDir() {
		err = unix.Mount("tmpfs", target, "tmpfs", unix.MS_RDONLY, "size=0")
	} else {
		err = unix.Mount("/dev/null", target, "", unix.MS_BIND, "")
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", target, err)
	}
	return nil
}

// remountNodev makes the rootfs mount nodev, as a runtime's is: a device
// node made in it (with CAP_MKNOD) cannot be opened, so the host's devices
// stay out of reach. The flags the mount has are kept, as a user
// namespace requires of a remount.
func remountNodev(root string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", root, err)
	}
	keep := uintptr(st.Flags) & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)
	if err := unix.Mount("", root, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_NODEV|keep, ""); err != nil {
		return fmt.Errorf("remount rootfs %s nodev: %w", root, err)
	}
	return nil
}

// setupDev gives the container a small /dev (nodev itself; the nodes are
// bind mounts of the host's, each a mount of its own): a tmpfs with the host's
// harmless character devices bound in, its own devpts, and shm.
func setupDev(dev, shmOption string) error {
	if fi, err := os.Lstat(dev); err != nil || !fi.IsDir() {
		return nil
	}
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV, "mode=755,size=65536k"); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dev, err)
	}
	for _, name := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		target := filepath.Join(dev, name)
		if err := os.WriteFile(target, nil, 0o666); err != nil {
			return fmt.Errorf("create %s: %w", target, err)
		}
		if err := unix.Mount("/dev/"+name, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /dev/%s on %s: %w", name, target, err)
		}
	}
	for _, d := range []string{"pts", "shm"} {
		if err := os.Mkdir(filepath.Join(dev, d), 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("devpts", filepath.Join(dev, "pts"), "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620"); err != nil {
		return fmt.Errorf("mount devpts on %s/pts: %w", dev, err)
	}
	if err := unix.Mount("shm", filepath.Join(dev, "shm"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,"+shmOption); err != nil {
		return fmt.Errorf("mount shm on %s/shm: %w", dev, err)
	}
	for link, target := range map[string]string{"ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(target, filepath.Join(dev, link)); err != nil {
			return err
		}
	}
	return nil
}

func mountSpec(m rspec.Mount) error {
	var flags uintptr
	readOnly := false
	for _, o := range m.Options {
		switch o {
		case "ro":
			readOnly = true
		case "nosuid":
			flags |= unix.MS_NOSUID
		case "nodev":
			flags |= unix.MS_NODEV
		}
	}
	var data []string
	if m.Type == "bind" {
		flags |= unix.MS_BIND | unix.MS_REC
	} else {
		for _, o := range m.Options {
			if strings.HasPrefix(o, "size=") || strings.HasPrefix(o, "mode=") {
				data = append(data, o)
			}
		}
	}
	if err := unix.Mount(m.Source, m.Destination, m.Type, flags, strings.Join(data, ",")); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.Source, m.Destination, err)
	}
	if readOnly {
		if err := unix.Mount("", m.Destination, "", flags|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("make %s read-only: %w", m.Destination, err)
		}
	}
	return nil
}

// loopbackUp brings up "lo" in the new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// enter pivots into the rootfs (pivot_root(".", ".") needs no directory in
// it), bounds capabilities, sets no-new-privileges and switches user.
func enter(cfg chrootConfig) error {
	// Capabilities are read through /proc, which the new root may lack.
	caps, err := capability.NewPid2(0)
	if err == nil {
		err = caps.Load()
	}
	if err != nil {
		return fmt.Errorf("read capabilities: %w", err)
	}
	if err := unix.Chdir(cfg.Root); err != nil {
		return fmt.Errorf("enter rootfs %s: %w", cfg.Root, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root into %s: %w", cfg.Root, err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("enter /: %w", err)
	}
	if err := boundCapabilities(caps, cfg.Caps); err != nil {
		return fmt.Errorf("bound capabilities: %w", err)
	}
	if err := setRlimits(cfg.Rlimits); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no-new-privileges: %w", err)
	}
	if err := unix.Setgroups(append([]int{cfg.Owner.GID}, cfg.Groups...)); err != nil && !setgroupsDenied() {
		return fmt.Errorf("set supplementary groups: %w", err)
	}
	if err := unix.Setresgid(cfg.Owner.GID, cfg.Owner.GID, cfg.Owner.GID); err != nil {
		return fmt.Errorf("switch to group %d: %w", cfg.Owner.GID, err)
	}
	if err := unix.Setresuid(cfg.Owner.UID, cfg.Owner.UID, cfg.Owner.UID); err != nil {
		return fmt.Errorf("switch to user %d: %w", cfg.Owner.UID, err)
	}
	if err := unix.Chdir(cfg.Cwd); err != nil {
		return fmt.Errorf("enter working directory %s: %w", cfg.Cwd, err)
	}
	return nil
}

func boundCapabilities(caps capability.Capabilities, keep []string) error {
	allowed := map[string]bool{}
	for _, k := range keep {
		allowed[strings.ToLower(strings.TrimPrefix(k, "CAP_"))] = true
	}
	last, err := capability.LastCap()
	if err != nil {
		return err
	}
	// Only the bounding and inheritable sets shrink here: the switch of user
	// below still needs its privileges, and exec derives the command's
	// capabilities from the bounding set (a non-root user gets none).
	for c := capability.Cap(0); c <= last; c++ {
		if !allowed[c.String()] {
			caps.Unset(capability.BOUNDING|capability.INHERITABLE, c)
		}
	}
	return caps.Apply(capability.CAPS | capability.BOUNDS)
}

// execCommand replaces the child with the command, failing like a shell.
func execCommand(cfg chrootConfig) {
	for _, kv := range cfg.Env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			os.Setenv("PATH", p)
		}
	}
	path, err := exec.LookPath(cfg.Args[0])
	if err != nil {
		fail(127, "run %s: command not found", cfg.Args[0])
	}
	err = syscall.Exec(path, cfg.Args, cfg.Env)
	fail(126, "run %s: %v", cfg.Args[0], err)
}

// rlimitNames maps the spec's rlimit names to the kernel's resources.
var rlimitNames = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

func setRlimits(limits []rspec.POSIXRlimit) error {
	for _, rl := range limits {
		resource, ok := rlimitNames[rl.Type]
		if !ok {
			return fmt.Errorf("set %s: unknown resource", rl.Type)
		}
		if err := unix.Setrlimit(resource, &unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}); err != nil {
			return fmt.Errorf("set %s: %w", rl.Type, err)
		}
	}
	return nil
}

// setgroupsDenied reports whether this user namespace forbids setgroups
// (an unprivileged one mapping a single ID, as "unshare --map-root-user"
// or a pod makes): the process then keeps the groups it has.
func setgroupsDenied() bool {
	data, err := os.ReadFile("/proc/self/setgroups")
	return err == nil && strings.TrimSpace(string(data)) == "deny"
}
