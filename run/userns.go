package run

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hodbuild/hod/container/state"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// userNamespace puts the run in a user namespace with the container's ID
// mapping (or joins the one it names). sysfs cannot be mounted from a user
// namespace that does not own the network namespace, so /sys is the host's,
// bound read-only, as buildah and podman do.
func userNamespace(g *generate.Generator, m state.IDMap) error {
	if unshare.IsRootless() {
		// hod runs in its own user namespace already (rootless): the
		// runtime's namespaces are created in it, but the host's network
		// namespace (--network host) is not its to mount sysfs for.
		bindSys(g)
		if !gidMapped(5) {
			// A single-ID namespace has no tty group for devpts' gid=5.
			dropOption(g, "/dev/pts", "gid=5")
		}
	}
	if m.Empty() && m.NSPath == "" {
		return nil
	}
	if err := g.AddOrReplaceLinuxNamespace("user", m.NSPath); err != nil {
		return err
	}
	for _, u := range m.UIDs {
		g.AddLinuxUIDMapping(uint32(u.HostID), uint32(u.ContainerID), uint32(u.Size))
	}
	for _, u := range m.GIDs {
		g.AddLinuxGIDMapping(uint32(u.HostID), uint32(u.ContainerID), uint32(u.Size))
	}
	bindSys(g)
	return nil
}

// gidMapped reports whether this process's user namespace maps gid.
func gidMapped(gid int) bool {
	m, err := container.NamespaceIDMap("/proc/self/ns/user")
	return err == nil && slices.ContainsFunc(m.GIDs, func(e state.IDMapEntry) bool {
		return gid >= e.ContainerID && gid < e.ContainerID+e.Size
	})
}

func dropOption(g *generate.Generator, dest, option string) {
	for i, m := range g.Config.Mounts {
		if m.Destination == dest {
			g.Config.Mounts[i].Options = slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == option })
		}
	}
}

// bindSys replaces sysfs with the host's /sys, bound read-only.
func bindSys(g *generate.Generator) {
	mounts := slices.DeleteFunc(g.Config.Mounts, func(mt rspec.Mount) bool {
		return mt.Destination == "/sys" || mt.Destination == "/sys/fs/cgroup"
	})
	g.Config.Mounts = append(mounts, rspec.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "ro", "nosuid", "noexec", "nodev"}})
}

// shareRunDir gives the run directory and the /etc files in it to the
// container's root, so the user namespace's root can read what is
// bind-mounted from there.
func shareRunDir(dir string, m state.IDMap) error {
	if m.Empty() {
		return nil
	}
	root, err := m.ToHost(container.Owner{})
	if err != nil {
		return err
	}
	if err := os.Lchown(dir, root.UID, root.GID); err != nil {
		return err
	}
	for _, name := range []string{"hosts", "resolv.conf", "hostname"} {
		if err := os.Lchown(filepath.Join(dir, name), root.UID, root.GID); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// bindRootfs binds the container's root filesystem into the bundle: the
// store's directories above it are closed to the user namespace's root.
// The release removes the mount point, and fails rather than leave the
// rootfs under a directory that is then removed.
func bindRootfs(root, bundle string) (string, func() error, error) {
	rootfs := filepath.Join(bundle, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return "", nil, err
	}
	if err := unix.Mount(root, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return "", nil, fmt.Errorf("bind %s for a user namespace: %w", root, err)
	}
	return rootfs, func() error { return mount.Release(rootfs) }, nil
}
