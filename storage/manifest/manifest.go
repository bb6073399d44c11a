package manifest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/stringid"
)

// instancesKey is the list image's big data item mapping each instance's
// manifest digest to the reference it was added from, and "" to the list's
// own ID: buildah's format, so buildah and podman use hod's lists and hod
// theirs. hod before December 2026 kept legacyInstancesKey instead, mapping
// digests to bare image IDs; it is still read.
const (
	instancesKey       = "instances.json"
	legacyInstancesKey = "hod-instances"
)

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

// Create creates an empty manifest list called name and returns
// its ID. With amend, an existing list of that name is returned instead.
func Create(store cstorage.Store, name string, amend bool) (string, error) {
	normalized, err := storage.NormalizeName(name)
	if err != nil {
		return "", err
	}
	if amend {
		if l, err := openList(store, name); err == nil {
			return l.img.ID, nil
		}
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

// Exists reports whether a manifest list called name exists; an
// image of that name that is not a list is an error, as in buildah.
func Exists(store cstorage.Store, name string) (bool, error) {
	if _, err := storage.Lookup(store, name); errors.Is(err, storage.ErrImageNotFound) {
		return false, nil
	}
	if _, err := openList(store, name); err != nil {
		return false, err
	}
	return true, nil
}

func openList(store cstorage.Store, name string) (*list, error) {
	img, err := storage.Lookup(store, name)
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
	for _, key := range []string{instancesKey, legacyInstancesKey} {
		if data, err := store.ImageBigData(img.ID, key); err == nil {
			if err := json.Unmarshal(data, &l.instances); err != nil {
				return nil, fmt.Errorf("read manifest list %q: %s: %w", name, key, err)
			}
			delete(l.instances, "") // the list's own ID
			break
		}
	}
	return l, nil
}

// localImage is the ID of the local image instance d was added from.
func (l *list) localImage(d digest.Digest) (string, bool) {
	ref, ok := l.instances[d]
	if rest, local := strings.CutPrefix(ref, istorage.Transport.Name()+":"); local {
		ref = rest[strings.LastIndex(rest, "@")+1:]
	}
	return ref, ok && stringid.ValidateID(ref) == nil
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
	refs := map[digest.Digest]string{"": l.img.ID}
	maps.Copy(refs, l.instances)
	instances, err := json.Marshal(refs)
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

// Instance is what manifest add and annotate record about an instance
// beyond (or instead of) what its image's configuration says.
type Instance struct {
	Platform    storage.Platform
	OSVersion   string
	OSFeatures  []string
	Annotations map[string]string
}

func (in Instance) apply(d *ispec.Descriptor) {
	if d.Platform == nil {
		d.Platform = &ispec.Platform{}
	}
	p := d.Platform
	p.OS, p.Architecture, p.Variant = cmp.Or(in.Platform.OS, p.OS), cmp.Or(in.Platform.Arch, p.Architecture), cmp.Or(in.Platform.Variant, p.Variant)
	p.OSVersion = cmp.Or(in.OSVersion, p.OSVersion)
	if len(in.OSFeatures) > 0 {
		p.OSFeatures = in.OSFeatures
	}
	for k, v := range in.Annotations {
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		d.Annotations[k] = v
	}
}

// Add adds the local image to the list and returns its manifest
// digest. An image that is itself a list adds its instance for sys's
// platform, or with all every instance (the last one's digest is returned).
func Add(ctx context.Context, store cstorage.Store, sys *types.SystemContext, listName, image string, in Instance, all bool) (digest.Digest, error) {
	l, err := openList(store, listName)
	if err != nil {
		return "", err
	}
	added, err := instancesOf(ctx, store, sys, image, in.Platform, all)
	if err != nil {
		return "", fmt.Errorf("add %q to %q: %w", image, listName, err)
	}
	var last digest.Digest
	for _, a := range added {
		in.apply(&a.desc)
		l.index.Manifests = append(removeDigest(l.index.Manifests, a.desc.Digest), a.desc)
		ref, err := istorage.Transport.NewStoreReference(store, nil, a.imageID)
		if err != nil {
			return "", err
		}
		l.instances[a.desc.Digest] = transports.ImageName(ref)
		last = a.desc.Digest
	}
	return last, l.save()
}

type instance struct {
	desc    ispec.Descriptor
	imageID string
}

// instancesOf describes image as list instances: itself, or if it is a
// list, its instance for the platform (or all of them).
func instancesOf(ctx context.Context, store cstorage.Store, sys *types.SystemContext, image string, p storage.Platform, all bool) ([]instance, error) {
	img, err := storage.Lookup(store, image)
	if err != nil {
		return nil, err
	}
	inner, err := openList(store, image)
	if err != nil {
		desc, err := describe(ctx, store, sys, img.ID)
		return []instance{{desc, img.ID}}, err
	}
	want := p.Completed(sys)
	var out []instance
	for _, d := range inner.index.Manifests {
		id, ok := inner.localImage(d.Digest)
		if !ok {
			return nil, fmt.Errorf("instance %s is not in local storage", d.Digest)
		}
		if all || (d.Platform != nil && d.Platform.OS == want.OS && d.Platform.Architecture == want.Arch && (want.Variant == "" || d.Platform.Variant == want.Variant)) {
			out = append(out, instance{d, id})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no instance for %s in the list (use --all to add every instance)", want)
	}
	if !all {
		out = out[:1]
	}
	return out, nil
}

// Resolve is img, or if img is a list hod made, its instance for sys's
// platform: FROM and from on a local list use that image.
func Resolve(ctx context.Context, store cstorage.Store, sys *types.SystemContext, img *cstorage.Image) (*cstorage.Image, error) {
	l, err := openList(store, img.ID)
	if err != nil || len(l.instances) == 0 {
		return img, nil
	}
	in, err := instancesOf(ctx, store, sys, img.ID, storage.Platform{}, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", img.ID, err)
	}
	return store.Image(in[0].imageID)
}

// Annotate changes what the list records about one instance, named
// by its manifest digest or by the local image it was added from. buildah
// 1.28 reports success for a digest the list does not have; hod refuses it.
func Annotate(store cstorage.Store, listName, instanceName string, in Instance) (string, digest.Digest, error) {
	l, err := openList(store, listName)
	if err != nil {
		return "", "", err
	}
	d, err := l.find(instanceName)
	if err != nil {
		return "", "", err
	}
	for i := range l.index.Manifests {
		if l.index.Manifests[i].Digest == d {
			in.apply(&l.index.Manifests[i])
		}
	}
	return l.img.ID, d, l.save()
}

// find resolves a digest or a local image name to an instance's digest.
func (l *list) find(name string) (digest.Digest, error) {
	if d, err := digest.Parse(name); err == nil {
		for _, m := range l.index.Manifests {
			if m.Digest == d {
				return d, nil
			}
		}
		return "", fmt.Errorf("%s is not an instance of manifest list %s", d, l.img.ID)
	}
	img, err := storage.Lookup(l.store, name)
	if err != nil {
		return "", err
	}
	for d := range l.instances {
		if id, ok := l.localImage(d); ok && id == img.ID {
			return d, nil
		}
	}
	return "", fmt.Errorf("image %q is not in manifest list %s", name, l.img.ID)
}

func describe(ctx context.Context, store cstorage.Store, sys *types.SystemContext, imageID string) (ispec.Descriptor, error) {
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
	platform := &ispec.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant, OSVersion: cfg.OSVersion, OSFeatures: cfg.OSFeatures}
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

// Remove removes the instance with manifest digest d from the list.
func Remove(store cstorage.Store, listName string, d digest.Digest) error {
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

// Inspect returns the list's index.
func Inspect(store cstorage.Store, listName string) ([]byte, error) {
	l, err := openList(store, listName)
	if err != nil {
		return nil, err
	}
	return l.index.Serialize()
}

// InstanceImages are the local images of the list's instances, in the
// list's order ("" for one added from a registry by buildah).
func InstanceImages(store cstorage.Store, listName string) ([]string, error) {
	l, err := openList(store, listName)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(l.index.Manifests))
	for i, d := range l.index.Manifests {
		out[i], _ = l.localImage(d.Digest)
	}
	return out, nil
}
