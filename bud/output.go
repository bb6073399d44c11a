package bud

import (
	"fmt"
	"io"
	"os"

	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/storage"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// Output is where --output exports an image's files: "type=local,dest=DIR"
// unpacks them into DIR, "type=tar,dest=FILE" (or "-") writes a tar archive.
type Output struct{ kind, dest string }

// ParseOutput parses --output, before any building is done.
func ParseOutput(spec string) (Output, error) {
	kv, _, err := mount.ParseFields(spec)
	if err != nil {
		return Output{}, fmt.Errorf("parse --output %w", err)
	}
	o := Output{kind: kv["type"], dest: kv["dest"]}
	if o.dest == "" || o.kind != "local" && o.kind != "tar" {
		return o, fmt.Errorf("parse --output %q: want type=local,dest=DIR or type=tar,dest=FILE", spec)
	}
	return o, nil
}

// Export writes the files of image imageID to o; "-" is w.
func Export(store cstorage.Store, imageID string, o Output, w io.Writer) (err error) {
	kind, dest := o.kind, o.dest
	root, release, err := storage.MountImage(store, imageID)
	if err != nil {
		return err
	}
	defer release()
	tarball, err := archive.TarWithOptions(root, &archive.TarOptions{Compression: archive.Uncompressed})
	if err != nil {
		return err
	}
	defer tarball.Close()
	if kind == "local" {
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return err
		}
		return archive.Untar(tarball, dest, &archive.TarOptions{NoLchown: true})
	}
	if dest != "-" {
		f, err := os.Create(dest)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	_, err = io.Copy(w, tarball)
	return err
}
