package commit

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hodbuild/hod/attest"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/transfer"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
)

// Format is an image's manifest and configuration format. The zero value
// is FormatOCI.
type Format string

// Image formats.
const (
	FormatOCI    Format = "oci"
	FormatDocker Format = "docker"
)

// ParseFormat parses --format (and BUILDAH_FORMAT): oci, or docker (v2s2).
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "oci":
		return FormatOCI, nil
	case "docker", "v2s2":
		return FormatDocker, nil
	}
	return "", fmt.Errorf("unrecognized image type %q", s) // buildah's words
}

// Options are the settings of Commit. The zero value writes an OCI image
// with the current time and full history.
type Options struct {
	Format Format
	// Squash writes the whole root filesystem as the image's only layer.
	Squash bool
	// Timestamp, when set, is used for the image's and history's creation
	// time and every file's mtime in the new layer: same inputs, same digest.
	Timestamp   *time.Time
	OmitHistory bool
	// UnsetEnv names environment variables left out of the image.
	UnsetEnv []string
	// OmitEmptyLayer writes no layer when the container holds no changes:
	// the image is its base's layers with the new configuration (bud).
	OmitEmptyLayer bool
	Sys            *types.SystemContext
	// Protection encrypts the image written to another transport, and
	// signs the image written.
	Protection transfer.Protection
	// Report receives progress of copies to other transports; nil is quiet.
	Report io.Writer
	// Attest records an SBOM and a provenance with the image.
	Attest attest.Request
}

// Commit writes the container's changes as a new image and returns its ID.
// dest is a local image name, a transport reference ("oci:/tmp/out:app"),
// or "" for an unnamed local image. Names are added only after everything
// is written, so a failed commit leaves no named, half-written image.
func Commit(ctx context.Context, c *container.Container, dest string, opts Options) (string, error) {
	if opts.Protection.SignBy != "" && dest == "" {
		return "", fmt.Errorf("commit %s: --sign-by needs an image name to sign for", c.Name)
	}
	// The destination is parsed before anything is written: a bad name
	// leaves no unnamed image behind.
	var ref types.ImageReference
	if dest != "" {
		var err error
		if ref, err = storage.WriteReference(c.Store(), dest); err != nil {
			return "", fmt.Errorf("commit %s to %q: %w", c.Name, dest, err)
		}
	}
	if len(opts.Protection.EncryptionKeys) > 0 && (ref == nil || storage.IsLocal(c.Store(), ref)) {
		return "", fmt.Errorf("commit %s: %w", c.Name, transfer.ErrEncryptLocal)
	}
	j, err := storage.BeginWrite(c.Store())
	if err != nil {
		return "", err
	}
	defer j.Done()
	img, err := write(ctx, c, j, opts)
	if err != nil {
		return "", fmt.Errorf("commit %s: %w", c.Name, err)
	}
	if err := attest.Record(ctx, c.Store(), opts.Sys, img.id, c.Name, opts.Attest); err != nil {
		return "", fmt.Errorf("commit %s: %w", c.Name, err)
	}
	if err := publish(ctx, c, img, ref, opts); err != nil {
		return "", fmt.Errorf("commit %s to %q: %w", c.Name, dest, err)
	}
	failpoint.Hit("commit-after-name")
	return img.id, nil
}

// Checkpoint commits the changes so far as a layer of an unnamed image and
// moves the container onto it: the next commit adds a new layer holding
// only what changes after this point ("commit --layer").
func Checkpoint(ctx context.Context, c *container.Container, opts Options) (string, error) {
	j, err := storage.BeginWrite(c.Store())
	if err != nil {
		return "", err
	}
	defer j.Done()
	img, err := write(ctx, c, j, opts)
	if err != nil {
		return "", fmt.Errorf("checkpoint %s: %w", c.Name, err)
	}
	if img.created {
		// Marks it as hod's: "images" leaves it out as intermediate.
		if err := c.Store().SetMetadata(img.id, `{"hod.checkpoint":true}`); err != nil {
			return "", fmt.Errorf("checkpoint %s: %w", c.Name, err)
		}
	}
	failpoint.Hit("checkpoint-before-rebase")
	if err := c.Rebase(j, img.id, img.rootFS, img.history); err != nil {
		return "", err
	}
	return img.id, nil
}

// publish names the image or copies it to another transport.
func publish(ctx context.Context, c *container.Container, img *written, ref types.ImageReference, opts Options) error {
	store := c.Store()
	if ref == nil {
		return nil
	}
	if storage.IsLocal(store, ref) {
		name := ref.DockerReference()
		if name == nil {
			return fmt.Errorf("no image name in %q", transports.ImageName(ref))
		}
		if opts.Protection.SignBy == "" {
			return store.AddNames(img.id, []string{name.String()})
		}
		// Signing names the image too: a key that cannot sign leaves no name.
		err := transfer.Sign(ctx, store, opts.Sys, img.id, name.String(), opts.Protection.SignBy)
		if err != nil && img.created {
			_, _ = store.DeleteImage(img.id, true)
		}
		return err
	}
	src, err := istorage.Transport.NewStoreReference(store, nil, img.id)
	if err != nil {
		return err
	}
	err = transfer.Copy(ctx, store, opts.Sys, ref, src, opts.Report, opts.Protection)
	if img.created {
		// The local image was only a means to reach dest.
		if _, derr := store.DeleteImage(img.id, true); err == nil {
			err = derr
		}
	}
	return err
}
