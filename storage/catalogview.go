package storage

import (
	"errors"
	"path/filepath"

	"github.com/hodbuild/hod/storage/catalog"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/lockfile"
)

// CatalogView is store's records as the catalog's types, read through
// containers/storage: the full binary's catalog.Reader, which sees what the
// catalog's own reader hands over (additional image stores, a transient
// store, records to repair).
func CatalogView(store cstorage.Store) catalog.Reader { return view{store} }

type view struct{ store cstorage.Store }

func (v view) Images() ([]catalog.Image, error) {
	images, err := v.store.Images()
	out := make([]catalog.Image, len(images))
	for i, img := range images {
		digests := make(map[string]string, len(img.BigDataDigests))
		for k, d := range img.BigDataDigests {
			digests[k] = d.String()
		}
		out[i] = catalog.Image{
			ID: img.ID, Digest: img.Digest.String(), Names: img.Names, NamesHistory: img.NamesHistory,
			TopLayer: img.TopLayer, MappedTopLayers: img.MappedTopLayers, Metadata: img.Metadata,
			BigDataNames: img.BigDataNames, BigDataSizes: img.BigDataSizes, BigDataDigests: digests, Created: img.Created,
		}
	}
	return out, err
}

func (v view) Layers() ([]catalog.Layer, error) {
	layers, err := v.store.Layers()
	out := make([]catalog.Layer, len(layers))
	for i, l := range layers {
		out[i] = catalog.Layer{ID: l.ID, Parent: l.Parent, UncompressedDigest: l.UncompressedDigest.String(), UncompressedSize: l.UncompressedSize, Flags: l.Flags}
	}
	return out, err
}

func (v view) Containers() ([]catalog.Container, error) {
	containers, err := v.store.Containers()
	out := make([]catalog.Container, len(containers))
	for i, c := range containers {
		out[i] = catalog.Container{ID: c.ID, Names: c.Names, ImageID: c.ImageID, LayerID: c.LayerID, Metadata: c.Metadata, Created: c.Created}
	}
	return out, err
}

func (v view) Mounts() ([]catalog.Mount, error) {
	layers, err := v.store.Layers()
	var out []catalog.Mount
	for _, l := range layers {
		if l.MountCount > 0 {
			out = append(out, catalog.Mount{ID: l.ID, Path: l.MountPoint, Count: l.MountCount})
		}
	}
	return out, err
}

func (v view) ImageBigData(id, key string) ([]byte, error) { return v.store.ImageBigData(id, key) }

// UpdateContainers takes containers/storage's own lock object for the
// container store (lockfile keeps one per path in a process, so this is
// the one the store itself locks) and reads the records under it without
// the store, whose readers would wait for that same lock. Records the
// catalog cannot read exactly (a transient store's, a newer
// containers/storage's) are read through the store, outside the lock.
func (v view) UpdateContainers(update func([]catalog.Container) error) error {
	dir := filepath.Join(v.store.GraphRoot(), v.store.GraphDriverName()+"-containers")
	lockDir := dir
	if v.store.TransientStore() {
		lockDir = filepath.Join(v.store.RunRoot(), v.store.GraphDriverName()+"-containers")
	}
	lock, err := lockfile.GetLockFile(filepath.Join(lockDir, "containers.lock"))
	if err != nil {
		return err
	}
	if v.store.TransientStore() {
		// Records in two directories: read through the store, just before.
		containers, err := v.Containers()
		if err != nil {
			return err
		}
		lock.Lock()
		defer lock.Unlock()
		return update(containers)
	}
	lock.Lock()
	defer lock.Unlock()
	containers, err := catalog.ReadContainersHeld(dir)
	if errors.Is(err, catalog.ErrHandOver) {
		// Records the catalog cannot read exactly: through the store,
		// which waits for this same lock object, so between locks.
		lock.Unlock()
		containers, err = v.Containers()
		lock.Lock()
	}
	if err != nil {
		return err
	}
	return update(containers)
}

func (v view) ContainerDir(id string) string {
	return catalog.ContainerDir(v.store.GraphRoot(), v.store.GraphDriverName(), id)
}
