package manifest

import (
	"context"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// listReference is a manifest list in the store whose instances are read
// from the local images they were added from. containers/image's storage
// source computes an instance's layers from the list image itself, which
// has none; this source hands each instance to its own image's source.
type listReference struct {
	types.ImageReference // the list image
	instances            map[digest.Digest]types.ImageReference
}

// Reference is the list called name as a source to copy from (push):
// every instance is read from the image it was added from.
func Reference(store cstorage.Store, name string) (types.ImageReference, error) {
	l, err := openList(store, name)
	if err != nil {
		return nil, err
	}
	return l.reference()
}

func (l *list) reference() (types.ImageReference, error) {
	ref, err := istorage.Transport.NewStoreReference(l.store, nil, l.img.ID)
	if err != nil {
		return nil, err
	}
	r := listReference{ImageReference: ref, instances: map[digest.Digest]types.ImageReference{}}
	for d, name := range l.instances {
		if id, ok := l.localImage(d); ok {
			r.instances[d], err = istorage.Transport.NewStoreReference(l.store, nil, id)
		} else {
			r.instances[d], err = alltransports.ParseImageName(name) // added by buildah from a registry
		}
		if err != nil {
			return nil, fmt.Errorf("instance %s: %w", d, err)
		}
	}
	return r, nil
}

// Instances are the references instances are read from, by manifest
// digest: a local image's, or the registry's an instance was added from.
func (r listReference) Instances() map[digest.Digest]types.ImageReference {
	return r.instances
}

func (r listReference) NewImageSource(ctx context.Context, sys *types.SystemContext) (types.ImageSource, error) {
	inner, err := r.ImageReference.NewImageSource(ctx, sys)
	if err != nil {
		return nil, err
	}
	return &listSource{list: inner, refs: r.instances, sys: sys, open: map[digest.Digest]types.ImageSource{}}, nil
}

type listSource struct {
	list types.ImageSource
	refs map[digest.Digest]types.ImageReference
	sys  *types.SystemContext
	open map[digest.Digest]types.ImageSource
}

func (s *listSource) instance(ctx context.Context, d digest.Digest) (types.ImageSource, error) {
	if src, ok := s.open[d]; ok {
		return src, nil
	}
	ref, ok := s.refs[d]
	if !ok {
		return nil, fmt.Errorf("instance %s: its image is not in local storage", d)
	}
	src, err := ref.NewImageSource(ctx, s.sys)
	if err != nil {
		return nil, err
	}
	s.open[d] = src
	return src, nil
}

func (s *listSource) Reference() types.ImageReference { return s.list.Reference() }

func (s *listSource) Close() error {
	for _, src := range s.open {
		src.Close()
	}
	return s.list.Close()
}

func (s *listSource) GetManifest(ctx context.Context, d *digest.Digest) ([]byte, string, error) {
	if d == nil {
		return s.list.GetManifest(ctx, nil)
	}
	src, err := s.instance(ctx, *d)
	if err != nil {
		return nil, "", err
	}
	return src.GetManifest(ctx, nil)
}

// GetBlob serves a layer or configuration from whichever instance has it.
func (s *listSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	var lastErr error
	for d := range s.refs {
		src, err := s.instance(ctx, d)
		if err != nil {
			return nil, 0, err
		}
		rc, size, err := src.GetBlob(ctx, info, cache)
		if err == nil {
			return rc, size, nil
		}
		lastErr = err
	}
	return nil, 0, fmt.Errorf("blob %s is in no instance: %w", info.Digest, lastErr)
}

func (s *listSource) HasThreadSafeGetBlob() bool { return false }

func (s *listSource) GetSignatures(ctx context.Context, d *digest.Digest) ([][]byte, error) {
	return nil, nil
}

func (s *listSource) LayerInfosForCopy(ctx context.Context, d *digest.Digest) ([]types.BlobInfo, error) {
	if d == nil {
		return nil, nil
	}
	src, err := s.instance(ctx, *d)
	if err != nil {
		return nil, err
	}
	return src.LayerInfosForCopy(ctx, nil)
}
