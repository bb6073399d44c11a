package transfer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hodbuild/hod/attest"
	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/compression"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// PushOptions are the settings of Push. The zero value pushes in the
// image's own format with the destination's default compression, once.
type PushOptions struct {
	// Format is "oci", "docker" (or buildah's "v2s2"), "v2s1", or "" (keep the stored format).
	Format string
	// Compression is "gzip", "zstd", "zstd:chunked" or "" (destination's default).
	Compression      string
	CompressionLevel *int
	Retry            int
	RetryDelay       time.Duration
	// RemoveSignatures copies the image without its signatures.
	RemoveSignatures bool
	// DisableCompression leaves layers uncompressed where the destination
	// allows it (dir:); buildah compresses them there by default.
	DisableCompression bool
	Protection         Protection
	Report             io.Writer
	// Attest attaches the image's SBOM and provenance (and makes the ones
	// it asks for that the image lacks).
	Attest Attest
}

// Push copies the local image name to dest (any transport; a name without
// one is a registry: "docker://" is implied, and an empty dest is the
// image's own name) and returns the manifest digest written.
func Push(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name, dest string, opts PushOptions) (digest.Digest, error) {
	if _, err := manifestType(opts.Format); err != nil {
		return "", err // before the image, as buildah
	}
	img, err := storage.Lookup(store, name)
	if err != nil {
		shown := cmp.Or(dest, name)
		if !storage.HasTransport(shown) {
			shown = "docker://" + shown
		}
		return "", fmt.Errorf("pushing image %q to %q: %w", name, shown, err) // buildah's words
	}
	if dest == "" {
		if dest, err = storage.NormalizeName(name); err != nil {
			return "", err
		}
	}
	destRef, err := storage.ParseDestination(store, dest)
	if err != nil {
		return "", err
	}
	if len(opts.Protection.EncryptionKeys) > 0 && storage.IsLocal(store, destRef) {
		return "", ErrEncryptLocal
	}
	src, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		return "", err
	}
	copyOpts, err := opts.copyOptions(sys, name, destRef)
	if err != nil {
		return "", err
	}
	var raw []byte
	err = withRetries(ctx, "push "+dest, opts.Retry, opts.RetryDelay, func() (err error) {
		raw, err = copyImage(ctx, store, sys, destRef, src, copyOpts, nil)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("push %s to %s: %w", name, dest, err)
	}
	if err := attest.Record(ctx, store, sys, img.ID, name, missing(store, img.ID, opts.Attest)); err != nil {
		return "", fmt.Errorf("push %s to %s: %w", name, dest, err)
	}
	if atts := attest.Stored(store, img.ID); len(atts) > 0 {
		platform, err := attest.Platform(ctx, store, sys, img.ID)
		if err != nil {
			return "", err
		}
		d, err := attach(ctx, sys, destRef, name, raw, platform, atts)
		if err != nil {
			return "", fmt.Errorf("push %s to %s: attestations: %w", name, dest, err)
		}
		return d, nil
	}
	return manifest.Digest(raw)
}

// copyOptions are o's for copying the local image name to dest.
func (o PushOptions) copyOptions(sys *types.SystemContext, name string, dest types.ImageReference) (*copy.Options, error) {
	opts := &copy.Options{ReportWriter: o.Report, RemoveSignatures: o.RemoveSignatures}
	if err := o.Protection.apply(opts); err != nil {
		return nil, err
	}
	if o.Protection.SignBy != "" && dest.DockerReference() == nil {
		// dir:, oci: and archives name no registry: sign for the image's name.
		named, err := reference.ParseNormalizedNamed(name)
		if err != nil {
			return nil, fmt.Errorf("--sign-by: %s names no image to sign for: %w", storage.RefName(dest), err)
		}
		opts.SignIdentity = reference.TagNameOnly(named)
	}
	var err error
	if opts.ForceManifestMIMEType, err = manifestType(o.Format); err != nil {
		return nil, err
	}
	if o.Compression != "" || o.CompressionLevel != nil || !o.DisableCompression {
		dest := *sys
		dest.DirForceCompress = !o.DisableCompression
		if o.Compression != "" {
			algo, err := compression.AlgorithmByName(o.Compression)
			if err != nil {
				return nil, fmt.Errorf("parse --compression-format %q: %w", o.Compression, err)
			}
			dest.CompressionFormat = &algo
			opts.ForceCompressionFormat = true
		}
		dest.CompressionLevel = o.CompressionLevel
		opts.DestinationCtx = &dest
	}
	return opts, nil
}

// manifestType is the manifest type push --format asks for: "oci",
// "docker" (buildah's "v2s2"), "v2s1", or "" to keep the stored one.
func manifestType(format string) (string, error) {
	switch format {
	case "":
		return "", nil
	case "oci":
		return ispec.MediaTypeImageManifest, nil
	case "docker", "v2s2":
		return manifest.DockerV2Schema2MediaType, nil
	case "v2s1":
		return manifest.DockerV2Schema1SignedMediaType, nil
	}
	// buildah's words, its typo included: scripts match them.
	return "", fmt.Errorf("unknown format %q. Choose on of the supported formats: 'oci', 'v2s1', or 'v2s2'", format)
}

// missing is the part of r the stored image id lacks: a push makes only
// what the image does not keep already.
func missing(store cstorage.Store, id string, r attest.Request) attest.Request {
	if _, err := store.ImageBigData(id, attest.SBOMKey); err == nil {
		r.SBOM = false
	}
	if _, err := store.ImageBigData(id, attest.ProvenanceKey); err == nil {
		r.Provenance = nil
	}
	return r
}
