package diff

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
)

// ContainerLayer stands for a working container's changes not yet
// committed, after its base image's layers.
const ContainerLayer = "(working container changes)"

// Read reads name for a diff: a working container of that name or ID, else
// an image (a local name, or any transport's reference: docker://,
// oci:DIR:TAG, dir:, docker-archive:, ...). With files, its files are read
// too: an image's layers are fetched and applied, a container's root
// filesystem is mounted and walked.
func Read(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, files bool) (Side, error) {
	if !storage.HasTransport(name) {
		c, err := container.Open(store, name)
		if err == nil {
			return readContainer(c, files)
		}
		if !errors.Is(err, container.ErrNotFound) {
			return Side{}, err
		}
	}
	return readImage(ctx, store, sys, name, files)
}

func readContainer(c *container.Container, files bool) (Side, error) {
	cfg := c.Config
	cfg.History = append(append(cfg.History[:0:0], c.History...), c.Pending...)
	s := Side{Name: c.Name, Config: cfg}
	for _, d := range cfg.RootFS.DiffIDs {
		s.Layers = append(s.Layers, d.String())
	}
	s.Layers = append(s.Layers, ContainerLayer)
	if !files {
		return s, nil
	}
	root, err := c.Mount()
	if err != nil {
		return s, err
	}
	defer c.Unmount(false) //nolint:errcheck // a failed unmount leaves a mount, not a wrong answer
	s.Files, err = ReadDir(root, toContainer(c.IDMap.UIDs, c.IDMap.GIDs))
	if err != nil {
		return s, fmt.Errorf("read container %s: %w", c.Name, err)
	}
	return s, nil
}

// toContainer maps host owners into a container's user namespace; IDs it
// does not map stay as they are.
func toContainer(uids, gids []idtools.IDMap) func(uid, gid int) (int, int) {
	return func(uid, gid int) (int, int) {
		if len(uids) > 0 {
			if u, err := idtools.RawToContainer(uid, uids); err == nil {
				uid = u
			}
		}
		if len(gids) > 0 {
			if g, err := idtools.RawToContainer(gid, gids); err == nil {
				gid = g
			}
		}
		return uid, gid
	}
}

func readImage(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, files bool) (Side, error) {
	ref, err := storage.ParseReference(store, name)
	if err != nil {
		return Side{}, err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return Side{}, fmt.Errorf("read %s: %w", name, err)
	}
	defer src.Close()
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, nil))
	if err != nil {
		return Side{}, fmt.Errorf("read %s: %w", name, err)
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return Side{}, fmt.Errorf("read %s: %w", name, err)
	}
	s := Side{Name: name, Config: cfg}
	for _, d := range cfg.RootFS.DiffIDs {
		s.Layers = append(s.Layers, d.String())
	}
	if !files {
		return s, nil
	}
	s.Files = Tree{}
	for _, l := range img.LayerInfos() {
		if err := applyBlob(ctx, src, l, s.Files); err != nil {
			return s, fmt.Errorf("read %s: layer %s: %w", name, l.Digest, err)
		}
	}
	return s, nil
}

// applyBlob fetches one layer, decompressed whatever its compression, and
// applies it to t.
func applyBlob(ctx context.Context, src types.ImageSource, l types.BlobInfo, t Tree) error {
	if isEncrypted(l.MediaType) {
		return errors.New("the layer is encrypted")
	}
	blob, _, err := src.GetBlob(ctx, l, none.NoCache)
	if err != nil {
		return err
	}
	defer blob.Close()
	r, _, err := compression.AutoDecompress(blob)
	if err != nil {
		return err
	}
	defer r.Close()
	return t.ApplyLayer(r)
}

// isEncrypted says whether a layer's media type is ocicrypt's ("+encrypted").
func isEncrypted(mediaType string) bool { return strings.HasSuffix(mediaType, "+encrypted") }
