package transfer

import (
	"bytes"
	"context"
	"fmt"

	"github.com/hodbuild/hod/attest"
	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
)

// Attest is what a push records, before it attaches them, when the image
// lacks them (push --sbom, --provenance).
type Attest = attest.Request

// attach uploads attestations about the image just written to ref (its
// manifest raw) and points ref's tag at an index of both, as BuildKit
// lays them out, and returns the index's digest, which the tag now names.
// Only registries and OCI layouts hold indexes: elsewhere (dir:,
// docker-archive:) the image goes alone, with a warning, and its own
// digest is returned.
func attach(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, name string, raw []byte, platform ispec.Platform, atts []attest.Attestation) (digest.Digest, error) {
	switch ref.Transport().Name() {
	case "docker", "oci":
	default:
		logrus.Warnf("%s keeps no index: the image's SBOM and provenance are not attached", storage.RefName(ref))
		return manifest.Digest(raw)
	}
	layout, err := attest.NewLayout(name, raw, manifest.GuessMIMEType(raw), platform, atts)
	if err != nil {
		return "", err
	}
	imageDigest := digest.FromBytes(raw)
	if err := putIndex(ctx, sys, ref, layout.Index, []*attest.Layout{layout}, blobManifest{raw, imageDigest}); err != nil {
		return "", err
	}
	return digest.FromBytes(layout.Index), nil
}

type blobManifest struct {
	raw    []byte
	digest digest.Digest
}

// putIndex uploads the attestation manifests of layouts with their blobs
// (and any manifests given, by digest), then index as the tag.
func putIndex(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, index []byte, layouts []*attest.Layout, manifests ...blobManifest) error {
	dest, err := ref.NewImageDestination(ctx, sys)
	if err != nil {
		return err
	}
	defer dest.Close()
	for _, layout := range layouts {
		if err := putLayout(ctx, dest, layout); err != nil {
			return err
		}
	}
	for _, m := range manifests {
		if err := dest.PutManifest(ctx, m.raw, &m.digest); err != nil {
			return fmt.Errorf("upload image manifest: %w", err)
		}
	}
	if err := dest.PutManifest(ctx, index, nil); err != nil {
		return fmt.Errorf("upload index: %w", err)
	}
	return dest.Commit(ctx, unparsed{ref: ref, raw: index})
}

func putLayout(ctx context.Context, dest types.ImageDestination, layout *attest.Layout) error {
	for _, b := range layout.Blobs {
		info := types.BlobInfo{Digest: b.Desc.Digest, Size: b.Desc.Size, MediaType: b.Desc.MediaType}
		if _, err := dest.PutBlob(ctx, bytes.NewReader(b.Data), info, none.NoCache, b.Desc.MediaType == ispec.MediaTypeImageConfig); err != nil {
			return fmt.Errorf("upload attestation blob: %w", err)
		}
	}
	d := layout.Attestation.Desc.Digest
	if err := dest.PutManifest(ctx, layout.Attestation.Data, &d); err != nil {
		return fmt.Errorf("upload attestation manifest: %w", err)
	}
	return nil
}

// unparsed is the index as the top-level image a destination commits.
type unparsed struct {
	ref types.ImageReference
	raw []byte
}

func (u unparsed) Reference() types.ImageReference { return u.ref }
func (u unparsed) Manifest(context.Context) ([]byte, string, error) {
	return u.raw, ispec.MediaTypeImageIndex, nil
}
func (u unparsed) Signatures(context.Context) ([][]byte, error) { return nil, nil }
