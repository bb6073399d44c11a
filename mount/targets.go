package mount

import (
	"os"
	"path"
	"slices"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Targets creates the mount points a run needs inside a rootfs and removes
// the ones it created afterwards, so mounts made only for a run leave no
// trace in the committed layer; except the network files of /etc (kept),
// which buildah and Docker leave as empty files and images expect. Paths are resolved with securejoin: a
// symlink in the rootfs cannot move a mount point onto the host.
type Targets struct {
	Root    string
	created []string
	// times are the modification times of the existing directories new
	// mount points were made in, restored when they are removed.
	times map[string]time.Time
}

// Prepare creates missing mount points: directories, or empty files for
// file sources. Targets below another mount are left to that mount.
func (t *Targets) Prepare(mounts []rspec.Mount) error {
	dests := make([]string, len(mounts))
	for i, m := range mounts {
		dests[i] = path.Clean(m.Destination)
	}
	for i, m := range mounts {
		if underAnother(dests[i], dests) {
			continue
		}
		if err := t.ensure(dests[i], isFile(m.Source)); err != nil {
			return err
		}
	}
	return nil
}

func underAnother(dest string, dests []string) bool {
	for _, d := range dests {
		if d != dest && strings.HasPrefix(dest, d+"/") {
			return true
		}
	}
	return false
}

func isFile(source string) bool {
	fi, err := os.Stat(source)
	return err == nil && !fi.IsDir()
}

// ensure creates the mount point (and missing parents) where unsafeDest
// resolves inside the rootfs, recording each new path. A target that is a
// dangling symlink gets its confined target created, as the runtime will
// mount there.
func (t *Targets) ensure(unsafeDest string, file bool) error {
	dest, err := InRoot(t.Root, unsafeDest)
	if err != nil {
		return err
	}
	var missing []string
	for p := dest; p != "/"; p = path.Dir(p) {
		if _, err := os.Lstat(path.Join(t.Root, p)); err == nil {
			break
		}
		missing = append(missing, p)
	}
	if len(missing) == 0 {
		return nil
	}
	t.noteTime(path.Dir(missing[len(missing)-1]))
	dir := dest
	if file {
		dir = path.Dir(dest)
	}
	if err := pathrs.MkdirAll(t.Root, dir, 0o755); err != nil {
		return err
	}
	if file {
		hostPath, err := securejoin.SecureJoin(t.Root, dest)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(hostPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY|unix.O_NOFOLLOW, 0o755) // runc's mode for a file mount point
		if err != nil {
			return err
		}
		f.Close()
	}
	slices.Reverse(missing)
	missing = slices.DeleteFunc(missing, func(p string) bool { return kept[p] })
	t.created = append(t.created, missing...)
	return nil
}

// kept are the mount points left in place after a run: the files every
// run mounts its own over, which buildah and Docker leave (empty) in the
// container, and the directory they are in.
var kept = map[string]bool{"/etc": true, "/etc/hosts": true, "/etc/hostname": true, "/etc/resolv.conf": true}

// Made is what Prepare made: the mount points, parents first, and the
// times of the existing directories they were made in.
type Made struct {
	Created []string
	Times   map[string]time.Time
}

// Made returns what Prepare made.
func (t *Targets) Made() Made { return Made{Created: slices.Clone(t.created), Times: t.times} }

// Adopt makes what another Targets on the same root made this one's to
// remove; a directory's first recorded time wins.
func (t *Targets) Adopt(m Made) {
	t.created = append(t.created, m.Created...)
	for p, mtime := range m.Times {
		if _, ok := t.times[p]; !ok {
			if t.times == nil {
				t.times = map[string]time.Time{}
			}
			t.times[p] = mtime
		}
	}
}

// Remove deletes the mount points Prepare created, deepest first, if they
// are still empty: anything the run wrote there stays.
func (t *Targets) Remove() {
	for i := len(t.created) - 1; i >= 0; i-- {
		if hostPath, err := securejoin.SecureJoin(t.Root, t.created[i]); err == nil {
			if fi, err := os.Lstat(hostPath); err == nil && (fi.IsDir() || fi.Size() == 0) {
				_ = os.Remove(hostPath)
			}
		}
	}
	t.created = nil
	for p, mtime := range t.times {
		if hostPath, err := securejoin.SecureJoin(t.Root, p); err == nil {
			_ = os.Chtimes(hostPath, mtime, mtime)
		}
	}
}

// noteTime remembers dir's modification time before a mount point is made
// in it: restored, the directory's entry in the next layer is unchanged.
func (t *Targets) noteTime(dir string) {
	if _, ok := t.times[dir]; ok {
		return
	}
	hostPath, err := securejoin.SecureJoin(t.Root, dir)
	if err != nil {
		return
	}
	if fi, err := os.Stat(hostPath); err == nil {
		if t.times == nil {
			t.times = map[string]time.Time{}
		}
		t.times[dir] = fi.ModTime()
	}
}
