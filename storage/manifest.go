package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// instancesKey is the list image's big data item mapping each instance's
// manifest digest to the local image it came from.
const instancesKey = "hod-instances"

// ErrNotList is returned (wrapped) when a manifest command names an image
// that is not a manifest list.
var ErrNotList = errors.New("not a manifest list")

// list is a manifest list kept in the store as an image without layers:
// its "manifest" big data is an OCI index.
type list struct {
	store     cstorage.Store
	img       *cstorage.Image
	index     *manifest.OCI1Index
	instances map[digest.Digest]string
}

// ManifestCreate creates an empty manifest list called name.
func ManifestCreate(store cstorage.Store, name string) (string, error) {
	normalized, err := NormalizeName(name)
	if err != nil {
		return "", err
	}
	img, err := store.CreateImage("", []string{normalized}, "", "", nil)
	if err != nil {
		return "", fmt.Errorf("create manifest list %q: %w", name, err)
	}
	l := &list{store: store, img: img, index: manifest.OCI1IndexFromComponents(nil, nil), instances: map[digest.Digest]string{}}
	if err := l.save(); err != nil {
		_, _ = store.DeleteImage(img.ID, true)
		return "", err
	}
	return img.ID, nil
}

func openList(store cstorage.Store, name string) (*list, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return nil, err
	}
	raw, err := store.ImageBigData(img.ID, cstorage.ImageDigestBigDataKey)
	if err != nil || !manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		return nil, fmt.Errorf("%q: %w", name, ErrNotList)
	}
	index, err := manifest.OCI1IndexFromManifest(raw)
	if err != nil {
		return nil, fmt.Errorf("read manifest list %q: %w", name, err)
	}
	l := &list{store: store, img: img, index: index, instances: map[digest.Digest]string{}}
	if data, err := store.ImageBigData(img.ID, instancesKey); err == nil {
		if err := json.Unmarshal(data, &l.instances); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// save writes the index under the keys containers/image reads a list by.
func (l *list) save() error {
	raw, err := l.index.Serialize()
	if err != nil {
		return err
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return err
	}
	instances, err := json.Marshal(l.instances)
	if err != nil {
		return err
	}
	for key, data := range map[string][]byte{
		cstorage.ImageDigestBigDataKey:                                   raw,
		cstorage.ImageDigestManifestBigDataNamePrefix + "-" + d.String(): raw,
		instancesKey: instances,
	} {
		if err := l.store.SetImageBigData(l.img.ID, key, data, manifest.Digest); err != nil {
			return fmt.Errorf("save manifest list %s: %w", l.img.ID, err)
		}
	}
	return nil
}

// Platform overrides what ManifestAdd reads from the image's configuration.
// ManifestAdd adds the local image to the list and returns its manifest digest.
func ManifestAdd(ctx context.Context, store cstorage.Store, sys *types.SystemContext, listName, image string, p Platform) (digest.Digest, error) {
	l, err := openList(store, listName)
	if err != nil {
		return "", err
	}
	img, err := Lookup(store, image)
	if err != nil {
		return "", err
	}
	desc, err := describe(ctx, store, sys, img.ID, p)
	if err != nil {
		return "", fmt.Errorf("add %q to %q: %w", image, listName, err)
	}
	l.index.Manifests = append(removeDigest(l.index.Manifests, desc.Digest), desc)
	l.instances[desc.Digest] = img.ID
	return desc.Digest, l.save()
}

func describe(ctx context.Context, store cstorage.Store, sys *types.SystemContext, imageID string, p Platform) (ispec.Descriptor, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, imageID)
	if err != nil {
		return ispec.Descriptor{}, err
	}
	src, err := ref.NewImage(ctx, sys)
	if err != nil {
		return ispec.Descriptor{}, err
	}
	defer src.Close()
	raw, mime, err := src.Manifest(ctx)
	if err != nil {
		return ispec.Descriptor{}, err
	}
	if manifest.MIMETypeIsMultiImage(mime) {
		return ispec.Descriptor{}, errors.New("lists of lists are not supported")
	}
	cfg, err := src.OCIConfig(ctx)
	if err != nil {
		return ispec.Descriptor{}, err
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return ispec.Descriptor{}, err
	}
	platform := &ispec.Platform{OS: cmp.Or(p.OS, cfg.OS), Architecture: cmp.Or(p.Arch, cfg.Architecture), Variant: cmp.Or(p.Variant, cfg.Variant)}
	return ispec.Descriptor{MediaType: mime, Digest: d, Size: int64(len(raw)), Platform: platform}, nil
}

func removeDigest(ds []ispec.Descriptor, d digest.Digest) []ispec.Descriptor {
	out := ds[:0:0]
	for _, x := range ds {
		if x.Digest != d {
			out = append(out, x)
		}
	}
	return out
}

// ManifestRemove removes the instance with manifest digest d from the list.
func ManifestRemove(store cstorage.Store, listName string, d digest.Digest) error {
	l, err := openList(store, listName)
	if err != nil {
		return err
	}
	before := len(l.index.Manifests)
	if l.index.Manifests = removeDigest(l.index.Manifests, d); len(l.index.Manifests) == before {
		return fmt.Errorf("remove %s from %q: no such instance", d, listName)
	}
	delete(l.instances, d)
	return l.save()
}

// ManifestInspect returns the list's index.
func ManifestInspect(store cstorage.Store, listName string) ([]byte, error) {
	l, err := openList(store, listName)
	if err != nil {
		return nil, err
	}
	return l.index.Serialize()
}

// ManifestPush copies the list to dest: with all, every instance; without,
// the one for this platform. It returns the digest of the list written.
func ManifestPush(ctx context.Context, store cstorage.Store, sys *types.SystemContext, listName, dest string, all bool, report io.Writer) (digest.Digest, error) {
	l, err := openList(store, listName)
	if err != nil {
		return "", err
	}
	src, err := l.reference()
	if err != nil {
		return "", err
	}
	destRef, err := ParseDestination(store, dest)
	if err != nil {
		return "", err
	}
	selection := copy.CopySystemImage
	if all {
		selection = copy.CopyAllImages
	}
	raw, err := copyImage(ctx, sys, destRef, src, &copy.Options{ReportWriter: report, ImageListSelection: selection})
	if err != nil {
		return "", fmt.Errorf("push manifest list %q to %s: %w", listName, dest, err)
	}
	return manifest.Digest(raw)
}
