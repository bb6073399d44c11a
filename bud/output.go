package bud

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/storage"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// Output is where --output exports an image's files: "type=local,dest=DIR"
// unpacks them into DIR, "type=tar,dest=FILE" (or "-") writes a tar archive.
type Output struct{ kind, dest string }

// ParseOutput parses --output, before any building is done.
//
// As in buildah, "-" is a tar archive on stdout and a value without "=" or
// "," a local directory.
func ParseOutput(spec string) (Output, error) {
	switch {
	case spec == "-":
		return Output{kind: "tar", dest: "-"}, nil
	case spec != "" && !strings.ContainsAny(spec, "=,"):
		return Output{kind: "local", dest: spec}, nil
	}
	kv, _, err := mount.ParseFields(spec)
	if err != nil {
		return Output{}, fmt.Errorf("invalid --output %w", err)
	}
	o := Output{kind: kv["type"], dest: kv["dest"]}
	if o.dest == "" || o.kind != "local" && o.kind != "tar" {
		return o, fmt.Errorf("invalid --output %q: want type=local,dest=DIR, type=tar,dest=FILE, DIR or -", spec)
	}
	return o, nil
}

// ToStdout says whether the export is written to stdout, which the
// build's own output must then leave alone.
func (o Output) ToStdout() bool { return o.dest == "-" }

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
