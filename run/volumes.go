package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/archive"
)

// imageVolumes mounts the image's volumes (VOLUME, config --volume) as
// buildah does for a run: each path is made a directory in the root
// filesystem if missing (it stays there, with mode 0755), and the run
// sees a copy of its contents kept in the container's own directory, so
// what a command writes there is never committed; runs of one container
// share the copy. A -v or --mount at the same path wins.
func imageVolumes(c *container.Container, root string, mounts []rspec.Mount) ([]rspec.Mount, error) {
	var out []rspec.Mount
	for _, path := range sortedVolumes(c) {
		if slices.ContainsFunc(mounts, func(m rspec.Mount) bool { return filepath.Clean(m.Destination) == filepath.Clean(path) }) {
			continue
		}
		if err := mkdirInRoot(root, path); err != nil {
			if errors.Is(err, syscall.ELOOP) {
				return nil, fmt.Errorf("open %s: %w", path, syscall.ELOOP) // buildah's words
			}
			return nil, fmt.Errorf("volume %s: %w", path, err)
		}
		copyDir := c.VolumeCopyDir(path)
		if _, err := os.Stat(copyDir); errors.Is(err, os.ErrNotExist) {
			if err := copyVolume(root, path, copyDir); err != nil {
				return nil, fmt.Errorf("volume %s: %w", path, err)
			}
		}
		out = append(out, rspec.Mount{Type: "bind", Source: copyDir, Destination: path, Options: []string{"rbind", "rprivate"}})
	}
	return out, nil
}

func sortedVolumes(c *container.Container) []string {
	var paths []string
	for p := range c.Config.Config.Volumes {
		paths = append(paths, p)
	}
	slices.Sort(paths) // parents before children
	return paths
}

// copyVolume copies the volume path's contents in the root filesystem
// (resolved inside it) to dir, made atomically: a failed copy leaves none.
func copyVolume(root, path, dir string) error {
	src, err := securejoin.SecureJoin(root, path)
	if err != nil {
		return err
	}
	tmp := dir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	// The archiver's walk never follows a symlink out of src.
	if err := archive.NewDefaultArchiver().CopyWithTar(src, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return os.Rename(tmp, dir)
}

// mkdirInRoot makes path and its parents inside root. A dangling symlink
// on the way is followed, inside root, and its target made (as buildah and
// Docker do for WORKDIR and VOLUME under such a link): pathrs refuses to
// create through one, so SecureJoin resolves the links first and pathrs
// makes what is left, still inside root.
func mkdirInRoot(root, path string) error {
	err := pathrs.MkdirAll(root, path, 0o755)
	if err == nil || !errors.Is(err, syscall.ENOTDIR) && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	inRoot, jerr := mount.InRoot(root, path)
	if jerr != nil {
		return err
	}
	return pathrs.MkdirAll(root, inRoot, 0o755)
}
