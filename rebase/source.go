package rebase

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/types"
)

// reference is the rebased image as a source to copy from: the image's
// reference (for naming), serving source.
type reference struct {
	types.ImageReference
	src *source
}

func (r reference) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return r.src, nil
}

// source serves the new manifest and configuration, and each layer from
// the image it comes from: the new base's from it, the image's own from
// the image. It is closed by Rebase, with the sources it reads.
type source struct {
	ref          types.ImageReference
	manifest     []byte
	config       []byte
	configDigest digest.Digest
	blobs        map[digest.Digest]types.ImageSource
}

func (s *source) Reference() types.ImageReference { return s.ref }
func (s *source) Close() error                    { return nil }

func (s *source) GetManifest(_ context.Context, d *digest.Digest) ([]byte, string, error) {
	if d != nil {
		return nil, "", fmt.Errorf("the rebased image has no instance %s", d)
	}
	return s.manifest, ispec.MediaTypeImageManifest, nil
}

func (s *source) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	if info.Digest == s.configDigest {
		return io.NopCloser(bytes.NewReader(s.config)), int64(len(s.config)), nil
	}
	from, ok := s.blobs[info.Digest]
	if !ok {
		return nil, 0, fmt.Errorf("blob %s is in neither the image nor the new base", info.Digest)
	}
	return from.GetBlob(ctx, info, cache)
}

func (s *source) HasThreadSafeGetBlob() bool { return false }

func (s *source) GetSignatures(context.Context, *digest.Digest) ([][]byte, error) { return nil, nil }

func (s *source) LayerInfosForCopy(context.Context, *digest.Digest) ([]types.BlobInfo, error) {
	return nil, nil
}
