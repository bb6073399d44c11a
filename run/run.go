package run

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storeconf"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/idtools"
)

// Options are the per-run settings of Run. The zero value runs with OCI
// isolation through runc, the image's user, working directory and
// environment, a private network namespace with loopback only, and hod's
// standard streams taken from Stdin/Stdout/Stderr (nil: none).
type Options struct {
	Isolation       policy.Isolation
	Runtime         string
	RuntimeFlags    []string
	User            string
	WorkDir         string
	Env             []string
	Hostname        string
	Network         Network
	CapAdd, CapDrop []string
	Terminal        bool
	// NoHosts leaves the image's /etc/hosts alone (--no-hosts).
	NoHosts bool
	// HostNamespaces are the namespaces shared with the host ("ipc",
	// "pid", "uts"); the network is Network's.
	HostNamespaces []string
	// PrivateCgroupns gives the run its own cgroup namespace (OCI isolation).
	PrivateCgroupns bool
	// RunFlags are flags of the runtime's "run" subcommand (--no-pivot).
	RunFlags []string
	Limits
	// HooksDirs hold OCI hook declarations (oci-hooks(5)) for the runtime
	// to run: OCI isolation only.
	HooksDirs []string
	// idMap is the working container's user namespace mapping and bundle
	// its run's directory (set by Run).
	idMap  state.IDMap
	bundle string
	// Mounts are the parsed -v and --mount options (see mount.ParseVolume).
	Mounts         []rspec.Mount
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// ExitError is a command's non-zero exit status (or 126/127 when it could
// not be started), to be passed on as hod's own.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return "exit status " + strconv.Itoa(e.Code)
}

// Run runs argv (or the image's entrypoint and command when empty) in the
// container. Mount targets and /etc files that exist only for the run are
// removed afterwards, so they leave no trace in the next commit.
//
// The run's bundle directory stays locked while it lasts; what a killed hod
// leaves (processes, mounts) is cleaned up by the next run in the
// container, or by rm (Reap, Stop).
func Run(ctx context.Context, c *container.Container, argv []string, opts Options) (err error) {
	if err := Reap(c); err != nil {
		return err
	}
	bundle, err := lease.Run.Take(runDir(c), bundlePrefix(c))
	if err == nil && !c.IDMap.Empty() {
		err = os.Chmod(bundle.Path, 0o711)
	}
	if err != nil {
		return fmt.Errorf("run in %s: %w", c.Name, err)
	}
	dir := bundle.Path
	keepDir := false // set when a bound rootfs could not be released
	defer func() {
		if !keepDir {
			_ = bundle.Release()
		}
	}()
	root, err := c.Mount()
	if err != nil {
		return err
	}
	if err := lease.NoteMount(dir, c.ID); err != nil {
		_ = c.Unmount(false)
		return err
	}
	defer func() {
		// Forgotten only once dropped: a bundle kept (keepDir) must not
		// have its reference dropped twice when it is reaped.
		if c.Unmount(false) == nil {
			lease.ForgetMount(dir, c.ID)
		}
	}()
	opts.idMap, opts.bundle = c.IDMap, dir
	p, err := newProcess(c, root, argv, opts)
	if err != nil {
		return err
	}
	targets := newSharedTargets(c, root, dir)
	defer targets.Remove()
	reach := reachesOutside(opts.Network)
	files, err := prepareEtc(root, dir, p.hostname, c.Name, reach, opts)
	if err != nil {
		return err
	}
	defer files.writeBack(root)
	mounts, err := volumeMounts(c, p, dir, append(files.mounts(), opts.Mounts...))
	if err != nil {
		return err
	}
	builtin, err := imageVolumes(c, root, mounts)
	if err != nil {
		return fmt.Errorf("run in %s: %w", c.Name, err)
	}
	mounts = append(builtin, mounts...)
	if opts.Isolation == policy.IsolationChroot {
		if !c.IDMap.Empty() || c.IDMap.NSPath != "" {
			return fmt.Errorf("run in %s: a container with a user namespace mapping needs --isolation oci", c.Name)
		}
		if opts.Resources != nil || len(opts.Devices) > 0 || opts.CgroupParent != "" || len(opts.HooksDirs) > 0 {
			return fmt.Errorf("run in %s: --memory, --cpu-*, --device, --cgroup-parent and --hooks-dir need --isolation oci", c.Name)
		}
		if err := targets.Prepare(append(chrootMounts(), mounts...)); err != nil {
			return err
		}
		return runChroot(ctx, root, p, mounts, reach, opts)
	}
	netns := ""
	if reach {
		var remove func()
		if netns, remove, err = newNetns(dir); err != nil {
			return err
		}
		defer remove()
		out, err := connect(netns, 0)
		if err != nil {
			return err
		}
		defer out.close()
	}
	s, err := spec(root, p, mounts, netns, opts)
	if err != nil {
		return err
	}
	if err := shareRunDir(dir, c.IDMap); err != nil {
		return err
	}
	if !c.IDMap.Empty() {
		rootfs, unbind, err := bindRootfs(root, dir)
		if err != nil {
			return err
		}
		defer func() { keepDir = unbind() != nil }()
		s.Root.Path = rootfs
	}
	// All of the spec's mounts, /proc and /dev too: a runtime would create
	// missing targets itself and leave them in the layer.
	if err := targets.Prepare(s.Mounts); err != nil {
		return err
	}
	return runOCI(ctx, c, dir, s, opts)
}

// runDir is where per-run bundles live: under the store's run root, so a
// crash leaves them where "hod" and a reboot clean up.
func runDir(c *container.Container) string {
	dir, mode := bundleRoot(c.Store()), os.FileMode(0o700)
	if !c.IDMap.Empty() {
		// The user namespace's root resolves the bundle's paths: they must
		// be searchable by others, which the store's run root is not.
		dir, mode = storeconf.UsernsRunDir, 0o711
	}
	_ = os.MkdirAll(dir, mode)
	return dir
}

// volumeMounts finishes -v's overlay (O) and ownership (U) options: an
// overlay without upper and work directories gets throw-away ones in the
// run's directory, and a U volume's source is given, recursively, to the
// host IDs of the user the command runs as, as buildah does.
func volumeMounts(c *container.Container, p *process, dir string, mounts []rspec.Mount) ([]rspec.Mount, error) {
	mounts, chowns := mount.TakeChown(mounts)
	mounts, err := mount.OverlayDirs(mounts, dir)
	if err != nil {
		return nil, err
	}
	owner := idtools.IDPair{UID: p.owner.UID, GID: p.owner.GID}
	if !c.IDMap.Empty() {
		if owner, err = c.IDMap.Mappings().ToHost(owner); err != nil {
			return nil, fmt.Errorf("volume owner: %w", err)
		}
	}
	for _, src := range chowns {
		err := filepath.WalkDir(src, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, owner.UID, owner.GID)
		})
		if err != nil {
			return nil, fmt.Errorf("volume %s: U: %w", src, err)
		}
	}
	return mounts, nil
}
