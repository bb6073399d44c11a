package run

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hodbuild/hod/run/policy"
	"github.com/moby/profiles/seccomp"
	"github.com/moby/sys/capability"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
	"golang.org/x/sys/unix"
)

// ociVersion is the runtime-spec version written into specs: the one
// Debian's runc (1.1) and crun speak; newer ones are refused by some runtimes.
const ociVersion = "1.0.2"

// spec generates the runtime spec of a run: runtime-tools' defaults
// (buildah/podman-like capabilities, masked and read-only /proc and /sys
// paths, private PID/IPC/UTS/mount namespaces) plus no-new-privileges and
// moby's default seccomp profile.
func spec(root string, p *process, mounts []rspec.Mount, netns string, opts Options) (*rspec.Spec, error) {
	g, err := confinement(opts)
	if err != nil {
		return nil, err
	}
	g.SetVersion(ociVersion)
	g.SetRootPath(root)
	g.SetProcessArgs(p.args)
	g.SetProcessCwd(p.cwd)
	g.SetProcessUID(uint32(p.owner.UID))
	g.SetProcessGID(uint32(p.owner.GID))
	g.AddProcessAdditionalGid(uint32(p.owner.GID)) // as buildah: the primary group is a supplementary one too
	for _, gid := range p.groups {
		g.AddProcessAdditionalGid(uint32(gid))
	}
	g.SetProcessTerminal(opts.Terminal)
	g.SetProcessNoNewPrivileges(true)
	// The run's own cgroups, read-only, as buildah mounts them (a build
	// reads its limits there).
	g.AddMount(rspec.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
		Options: []string{"rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"}})
	g.SetHostname(p.hostname)
	g.ClearProcessEnv()
	for _, kv := range p.env {
		k, v, _ := strings.Cut(kv, "=")
		g.AddProcessEnv(k, v)
	}
	for _, ns := range opts.HostNamespaces {
		if err := g.RemoveLinuxNamespace(ns); err != nil {
			return nil, err
		}
		if ns == "uts" {
			g.RemoveHostname() // the host's, which a run must not change
		}
	}
	if opts.PrivateCgroupns {
		if err := g.AddOrReplaceLinuxNamespace("cgroup", ""); err != nil {
			return nil, err
		}
	}
	if netns != "" {
		if err := g.AddOrReplaceLinuxNamespace("network", netns); err != nil {
			return nil, err
		}
	}
	if opts.Network == NetworkHost {
		if err := g.RemoveLinuxNamespace("network"); err != nil {
			return nil, err
		}
		g.RemoveHostname()
	}
	if p.owner.UID != 0 {
		// As buildah, podman and Docker: a non-root user gets no
		// capabilities, only the bounding set limits what setuid programs may gain.
		caps := g.Config.Process.Capabilities
		caps.Effective, caps.Permitted, caps.Inheritable, caps.Ambient = nil, nil, nil, nil
	}
	if err := userNamespace(g, opts.idMap); err != nil {
		return nil, err
	}
	for _, m := range mounts {
		g.AddMount(m)
	}
	if err := applyLimits(g, opts.Limits); err != nil {
		return nil, err
	}
	s := g.Config
	if err := addHooks(s, opts.HooksDirs); err != nil {
		return nil, err
	}
	if opts.Unconfined {
		return s, nil
	}
	if s.Linux.Seccomp, err = seccomp.GetDefaultProfile(s); err != nil {
		return nil, fmt.Errorf("default seccomp profile: %w", err)
	}
	return s, nil
}

// maskedPaths and readonlyPaths are what buildah, podman and Docker hide
// or freeze by default (runtime-tools' defaults have none): kernel
// memory, keys and timers are masked, kernel tunables read-only.
var (
	maskedPaths = []string{"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
		"/sys/dev/block", "/sys/devices/virtual/powercap", "/sys/firmware", "/sys/fs/selinux"}
	readonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

// confinement is the part of a run's spec both isolations apply:
// runtime-tools' defaults, the capability set, masked and read-only paths.
// chroot isolation reads these from it rather than keeping its own lists.
func confinement(opts Options) (*generate.Generator, error) {
	g, err := generate.New("linux")
	if err != nil {
		return nil, err
	}
	// containers.conf's default set (buildah's), not runtime-tools' (which
	// adds CAP_MKNOD, NET_RAW and AUDIT_WRITE); nothing is inheritable or
	// ambient, so an exec'd program gets only what file capabilities give.
	caps := g.Config.Process.Capabilities
	caps.Bounding = policy.DefaultCapabilities()
	caps.Effective, caps.Permitted = slices.Clone(caps.Bounding), slices.Clone(caps.Bounding)
	caps.Inheritable, caps.Ambient = nil, nil
	if err := capabilities(&g, opts.CapAdd, opts.CapDrop); err != nil {
		return nil, err
	}
	g.Config.Process.Capabilities.Inheritable, g.Config.Process.Capabilities.Ambient = nil, nil
	for _, p := range maskedPaths {
		g.AddLinuxMaskedPaths(p)
	}
	for _, p := range readonlyPaths {
		g.AddLinuxReadonlyPaths(p)
	}
	return &g, nil
}

// capabilities drops, then adds: "--cap-drop all --cap-add chown" leaves
// CAP_CHOWN alone, as in Docker and buildah.
func capabilities(g *generate.Generator, add, drop []string) error {
	var adds []string
	for _, c := range add {
		if !strings.EqualFold(c, "all") {
			adds = append(adds, capName(c))
			continue
		}
		all, err := allCapabilities()
		if err != nil {
			return fmt.Errorf("--cap-add %s: %w", c, err)
		}
		adds = append(adds, all...)
	}
	// buildah's order: --cap-drop ALL leaves only what --cap-add gives;
	// otherwise the drops come after the adds, so --cap-add ALL
	// --cap-drop X leaves all but X.
	dropAll := slices.ContainsFunc(drop, func(c string) bool { return strings.EqualFold(c, "all") })
	if dropAll {
		g.ClearProcessCapabilities()
	}
	for _, c := range adds {
		if err := g.AddProcessCapability(c); err != nil {
			return fmt.Errorf("--cap-add %s: %w", c, err)
		}
	}
	for _, c := range drop {
		if dropAll {
			break
		}
		if err := g.DropProcessCapability(capName(c)); err != nil {
			return fmt.Errorf("--cap-drop %s: %w", c, err)
		}
	}
	return nil
}

// allCapabilities names --cap-add ALL: every capability in hod's own
// bounding set, the most a run can be given (in a container or a
// restricted service that is fewer than the kernel knows).
func allCapabilities() ([]string, error) {
	self, err := capability.NewPid2(0)
	if err == nil {
		err = self.Load()
	}
	if err != nil {
		return nil, err
	}
	last, err := capability.LastCap()
	if err != nil {
		return nil, err
	}
	var names []string
	for c := capability.Cap(0); c <= last; c++ {
		if self.Get(capability.BOUNDING, c) {
			names = append(names, "CAP_"+strings.ToUpper(c.String()))
		}
	}
	return names, nil
}

func capName(c string) string {
	c = strings.ToUpper(c)
	if !strings.HasPrefix(c, "CAP_") {
		c = "CAP_" + c
	}
	return c
}

// applyLimits puts rlimits, cgroup limits and /dev/shm's size in the spec.
func applyLimits(g *generate.Generator, l Limits) error {
	for _, rl := range l.Rlimits {
		g.AddProcessRlimits(rl.Type, rl.Hard, rl.Soft)
	}
	if l.Resources != nil {
		g.Config.Linux.Resources = l.Resources
	}
	if l.CgroupParent != "" {
		g.SetLinuxCgroupsPath(path.Join("/", l.CgroupParent, "hod-"+strconv.FormatInt(time.Now().UnixNano(), 36)))
	}
	for _, d := range l.Devices {
		if err := addDevice(g, d); err != nil {
			return err
		}
	}
	shm, err := l.shmOption()
	if err != nil {
		return err
	}
	for i, m := range g.Config.Mounts {
		if m.Destination == "/dev/shm" {
			g.Config.Mounts[i].Options = append(slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return strings.HasPrefix(o, "size=") }), shm)
		}
	}
	return nil
}

// addDevice makes a host device node available to the run and allows it
// in the device cgroup. A directory stands for the device nodes under it,
// as in buildah and podman.
func addDevice(g *generate.Generator, d Device) error {
	var st unix.Stat_t
	if err := unix.Stat(d.Host, &st); err != nil {
		return fmt.Errorf("--device %s: %w", d.Host, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return addDeviceDir(g, d)
	}
	kind := ""
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		kind = "c"
	case unix.S_IFBLK:
		kind = "b"
	default:
		return fmt.Errorf("--device %s: not a device node", d.Host)
	}
	major, minor := int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	mode := os.FileMode(st.Mode & 0o777)
	uid, gid := uint32(0), uint32(0)
	g.AddDevice(rspec.LinuxDevice{Path: d.Container, Type: kind, Major: major, Minor: minor, FileMode: &mode, UID: &uid, GID: &gid})
	g.AddLinuxResourcesDevice(true, kind, &major, &minor, d.Permissions)
	return nil
}

func addDeviceDir(g *generate.Generator, d Device) error {
	return filepath.WalkDir(d.Host, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.Type()&(fs.ModeDevice|fs.ModeCharDevice) == 0 {
			return err
		}
		// buildah's placement: every node found, at any depth, directly
		// under the container path.
		return addDevice(g, Device{Host: p, Container: path.Join(d.Container, e.Name()), Permissions: d.Permissions})
	})
}
