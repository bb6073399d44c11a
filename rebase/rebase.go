package rebase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/transfer"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	dockerref "go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Options are rebase's choices; empty bases come from the image's
// org.opencontainers.image.base.* annotations.
type Options struct {
	OldBase, NewBase string
	Report           io.Writer
}

// ErrNoBase is returned (wrapped) when the image records no base and none
// was named.
var ErrNoBase = errors.New("the image records no base image")

// side is one image read for a rebase.
type side struct {
	name     string
	ref      types.ImageReference
	src      types.ImageSource
	config   *ispec.Image
	layers   []types.BlobInfo // as a copy reads them, bottom first
	manifest []byte
	notes    map[string]string // manifest annotations
}

func (s *side) close() {
	if s.src != nil {
		s.src.Close()
	}
}

// Rebase writes image, moved from its old base onto its new one, to dest
// ("" is image itself) and returns the new image's configuration digest.
func Rebase(ctx context.Context, store cstorage.Store, sys *types.SystemContext, imageName, dest string, o Options) (digest.Digest, error) {
	img, err := open(ctx, store, sys, imageName)
	if err != nil {
		return "", err
	}
	defer img.close()
	oldName, newName, err := bases(store, img, o)
	if err != nil {
		return "", err
	}
	old, err := open(ctx, store, sys, oldName)
	if err != nil {
		return "", fmt.Errorf("old base: %w", err)
	}
	defer old.close()
	nb, err := open(ctx, store, sys, newName)
	if err != nil {
		return "", fmt.Errorf("new base: %w", err)
	}
	defer nb.close()
	if err := check(img, old, nb); err != nil {
		return "", err
	}
	cfg, layers := rebased(img, old, nb)
	rawConfig, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	notes := maps.Clone(img.notes)
	if notes == nil {
		notes = map[string]string{}
	}
	notes[ispec.AnnotationBaseImageName] = baseName(newName)
	if notes[ispec.AnnotationBaseImageDigest], err = manifestDigest(nb.manifest); err != nil {
		return "", err
	}
	src := &source{config: rawConfig, configDigest: digest.FromBytes(rawConfig), blobs: map[digest.Digest]types.ImageSource{}}
	for _, l := range layers[:len(nb.layers)] {
		src.blobs[l.Digest] = nb.src
	}
	for _, l := range layers[len(nb.layers):] {
		src.blobs[l.Digest] = img.src
	}
	if src.manifest, err = ociManifest(src.configDigest, int64(len(rawConfig)), layers, notes); err != nil {
		return "", err
	}
	destRef, err := destination(store, img, dest)
	if err != nil {
		return "", err
	}
	src.ref = img.ref
	ref := reference{ImageReference: img.ref, src: src}
	if err := transfer.Copy(ctx, store, sys, destRef, ref, o.Report, transfer.Protection{}); err != nil {
		return "", fmt.Errorf("write the rebased %s: %w", imageName, err)
	}
	return src.configDigest, nil
}

// bases are the old and new bases: named, or the image's annotations (the
// old base by its recorded digest, the new one by its recorded name).
func bases(store cstorage.Store, img *side, o Options) (oldName, newName string, err error) {
	name, d := img.notes[ispec.AnnotationBaseImageName], img.notes[ispec.AnnotationBaseImageDigest]
	oldName, newName = o.OldBase, o.NewBase
	if oldName == "" {
		if d == "" {
			return "", "", fmt.Errorf("%s: %w (%s): name it with --old-base", img.name, ErrNoBase, ispec.AnnotationBaseImageDigest)
		}
		if oldName, err = byDigest(store, name, d); err != nil {
			return "", "", err
		}
	}
	if newName == "" {
		if name == "" {
			return "", "", fmt.Errorf("%s: %w (%s): name the new base with --new-base", img.name, ErrNoBase, ispec.AnnotationBaseImageName)
		}
		newName = name
	}
	return oldName, newName, nil
}

// byDigest names the image with manifest digest d: a local image that has
// it, else name's repository at d in its registry.
func byDigest(store cstorage.Store, name, d string) (string, error) {
	dg, err := digest.Parse(d)
	if err != nil {
		return "", fmt.Errorf("recorded base digest %q: %w", d, err)
	}
	if images, err := store.ImagesByDigest(dg); err == nil && len(images) > 0 {
		return images[0].ID, nil
	}
	if name == "" {
		return "", fmt.Errorf("the old base %s is not stored here and the image records no name to pull it by", d)
	}
	named, err := dockerref.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("recorded base name %q: %w", name, err)
	}
	return "docker://" + dockerref.TrimNamed(named).String() + "@" + d, nil
}

// baseName is the name recorded for the new base: without a transport
// for a registry's or the store's.
func baseName(name string) string {
	for _, prefix := range []string{"docker://", "containers-storage:"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			return rest
		}
	}
	return name
}

// check refuses a rebase whose image is not built on old, or whose new
// base is of another platform.
func check(img, old, nb *side) error {
	own, base := img.config.RootFS.DiffIDs, old.config.RootFS.DiffIDs
	if len(base) > len(own) || !slices.Equal(own[:len(base)], base) {
		return fmt.Errorf("%s's bottom layers are not %s's: it is not built on that base (name the right one with --old-base)", img.name, old.name)
	}
	if len(img.layers) != len(own) || len(old.layers) != len(base) || len(nb.layers) != len(nb.config.RootFS.DiffIDs) {
		return errors.New("an image's manifest and configuration list different numbers of layers")
	}
	ip, np := img.config.Platform, nb.config.Platform
	if ip.OS != np.OS || ip.Architecture != np.Architecture || ip.Variant != np.Variant {
		return fmt.Errorf("the new base %s is for %s/%s, the image for %s/%s", nb.name, np.OS, np.Architecture, ip.OS, ip.Architecture)
	}
	return nil
}

// rebased is the new configuration and layer list: the new base's layers
// and history, then the image's own.
func rebased(img, old, nb *side) (ispec.Image, []types.BlobInfo) {
	cfg := *img.config
	n := len(old.config.RootFS.DiffIDs)
	cfg.RootFS.DiffIDs = slices.Concat(nb.config.RootFS.DiffIDs, img.config.RootFS.DiffIDs[n:])
	own := img.config.History
	if h := len(old.config.History); h <= len(own) {
		own = own[h:]
	}
	cfg.History = slices.Concat(nb.config.History, own)
	cfg.Config = mergeConfig(old.config.Config, img.config.Config, nb.config.Config)
	return cfg, slices.Concat(nb.layers, img.layers[n:])
}

// open reads name: a local image by name or ID, or any transport's.
func open(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string) (*side, error) {
	var ref types.ImageReference
	var err error
	if storage.HasTransport(name) {
		ref, err = storage.ParseReference(store, name)
	} else if local, lerr := storage.Lookup(store, name); lerr == nil {
		ref, err = istorage.Transport.NewStoreReference(store, nil, local.ID)
	} else {
		ref, err = storage.ParseReference(store, "docker://"+name)
	}
	if err != nil {
		return nil, err
	}
	s := &side{name: name, ref: ref}
	if s.src, err = ref.NewImageSource(ctx, sys); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if err := s.read(ctx, sys); err != nil {
		s.close()
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return s, nil
}

func (s *side) read(ctx context.Context, sys *types.SystemContext) error {
	raw, mime, err := s.src.GetManifest(ctx, nil)
	if err != nil {
		return err
	}
	if manifest.MIMETypeIsMultiImage(mime) {
		return errors.New("a manifest list: name one image of it")
	}
	s.manifest = raw
	if mime == ispec.MediaTypeImageManifest {
		var m ispec.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		s.notes = m.Annotations
	}
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(s.src, nil))
	if err != nil {
		return err
	}
	if s.config, err = img.OCIConfig(ctx); err != nil {
		return err
	}
	// What a copy reads: a local image's layers as stored (uncompressed),
	// which its manifest may list compressed.
	if s.layers, err = s.src.LayerInfosForCopy(ctx, nil); err != nil {
		return err
	}
	if s.layers == nil {
		s.layers = img.LayerInfos()
	}
	return nil
}

// destination is where the result goes: dest, or the image's own name.
func destination(store cstorage.Store, img *side, dest string) (types.ImageReference, error) {
	if dest == "" {
		dest = img.name
	}
	return storage.WriteReference(store, dest)
}

func manifestDigest(raw []byte) (string, error) {
	d, err := manifest.Digest(raw)
	return d.String(), err
}

// ociManifest writes the rebased image's manifest in OCI form, the layers'
// media types translated from Docker's where a base has those.
func ociManifest(config digest.Digest, size int64, layers []types.BlobInfo, notes map[string]string) ([]byte, error) {
	m := ispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ispec.MediaTypeImageManifest,
		Config:      ispec.Descriptor{MediaType: ispec.MediaTypeImageConfig, Digest: config, Size: size},
		Annotations: notes,
	}
	for _, l := range layers {
		m.Layers = append(m.Layers, ispec.Descriptor{MediaType: ociLayerType(l.MediaType), Digest: l.Digest, Size: l.Size, Annotations: l.Annotations})
	}
	return json.Marshal(m)
}

func ociLayerType(mediaType string) string {
	switch mediaType {
	case manifest.DockerV2Schema2LayerMediaType, ispec.MediaTypeImageLayerGzip:
		return ispec.MediaTypeImageLayerGzip
	case ispec.MediaTypeImageLayerZstd:
		return ispec.MediaTypeImageLayerZstd
	case "", ispec.MediaTypeImageLayer, "application/vnd.docker.image.rootfs.diff.tar":
		return ispec.MediaTypeImageLayer
	}
	return mediaType
}
