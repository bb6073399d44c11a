package container

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/storage/storeconf"
)

// VolumeCopyDir is where a run keeps its copy of the image volume at path
// (see run's imageVolumes): in the container's own directory, shared by
// its runs, never committed.
func (c *Container) VolumeCopyDir(volume string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(volume)))
	return filepath.Join(storeconf.VolumesDir(c.Dir()), hex.EncodeToString(sum[:16]))
}

// DropVolumeCopies forgets the run copies of the volumes a copy into dest
// (absolute in the container) reaches, as buildah invalidates its volume
// cache on COPY and ADD: the next run copies them again, with what was
// copied in, so a file added under a VOLUME persists while what runs
// write there does not.
func (c *Container) DropVolumeCopies(dest string) error {
	dest = path.Clean("/" + dest)
	for v := range c.Config.Config.Volumes {
		v = path.Clean("/" + v)
		if within(dest, v) || within(v, dest) {
			if err := os.RemoveAll(c.VolumeCopyDir(v)); err != nil {
				return err
			}
		}
	}
	return nil
}

// within tells whether p is dir or below it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}
