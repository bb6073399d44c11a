package container

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/catalog"
	"github.com/hodbuild/hod/storage/transfer"
	digest "github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/pkg/shortnames"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/stringid"
)

var (
	// ErrNotFound is returned (wrapped) for an unknown container name or ID.
	ErrNotFound = state.ErrNotFound
	// ErrNotOurs is returned (wrapped) for a container another tool
	// (buildah, podman) owns.
	ErrNotOurs = state.ErrNotOurs
)

// Container is a working container: a containers/storage container whose
// root filesystem and image configuration are being built into an image.
type Container struct {
	state.State
	store cstorage.Store
}

// Options are the settings of From. The zero value names the container
// after the image and pulls the image only if it is missing.
type Options struct {
	Name string
	Pull transfer.PullOptions
	// RunDefaults are run flags kept for the container's later runs.
	RunDefaults []string
	// IDMap gives the container a user namespace mapping.
	IDMap state.IDMap
	// Journal, when set, is a build's: the container goes if the build is
	// killed before the journal is done. Otherwise From keeps a journal of
	// its own until the container's state is saved.
	Journal *storage.Journal
}

// From creates a working container from image, or an empty one from
// "scratch", inheriting the image's configuration and history.
func From(ctx context.Context, store cstorage.Store, sys *types.SystemContext, image string, opts Options) (_ *Container, err error) {
	st := state.State{Version: state.Version, Kind: state.Kind, FromImage: image, RunDefaults: opts.RunDefaults, IDMap: opts.IDMap,
		// The base-image annotations, as buildah sets them (empty from scratch).
		Annotations: map[string]string{ispec.AnnotationBaseImageDigest: "", ispec.AnnotationBaseImageName: ""}}
	name := "working-container"
	if image == "scratch" {
		st.Config.Platform = ispecPlatform(runtime.GOOS, runtime.GOARCH)
		if sys != nil {
			st.Config.OS = cmp.Or(sys.OSChoice, st.Config.OS)
			st.Config.Architecture = cmp.Or(sys.ArchitectureChoice, st.Config.Architecture)
			st.Config.Variant = sys.VariantChoice
		}
	} else {
		img, err := transfer.Pull(ctx, store, sys, image, opts.Pull)
		if err != nil {
			return nil, err
		}
		annotations, err := inherit(ctx, &st, store, sys, img.ID)
		if err != nil {
			return nil, err
		}
		st.FromImageID = img.ID
		spec := imageSpec(img, image)
		name = namePrefix(spec) + "-" + name
		baseAnnotations(st.Annotations, spec, st.FromDigest, annotations)
	}
	j := opts.Journal
	if j == nil {
		if j, err = storage.BeginWrite(store); err != nil {
			return nil, err
		}
		defer j.Done()
	}
	sc, name, err := create(store, j, opts.Name, name, st.FromImageID, opts.IDMap)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = store.DeleteContainer(sc.ID)
		}
	}()
	failpoint.Hit("from-before-state")
	st.ID, st.Name, st.BaseImageID, st.MountKey = sc.ID, name, st.FromImageID, sc.ID
	c := &Container{State: st, store: store}
	return c, c.save()
}

// imageSpec is the name buildah (getImageName) goes by for img, named
// image as typed: its first name, or the first that contains the prefix of
// what was typed; with no name, what was typed.
func imageSpec(img *cstorage.Image, image string) string {
	typed := namePrefix(image)
	if len(img.Names) == 0 {
		return typed
	}
	for _, n := range img.Names {
		if strings.Contains(n, typed) {
			return n
		}
	}
	return img.Names[0]
}

// baseAnnotations sets the OCI base-image annotations as buildah does: the
// base's manifest digest, and its name unless that is short (an ID). An
// unnamed base (a build stage, a checkpoint) passes on its own, found in
// its manifest's annotations.
func baseAnnotations(into map[string]string, spec, digest string, manifestAnnotations map[string]string) {
	into[ispec.AnnotationBaseImageDigest] = digest
	if !shortnames.IsShortName(spec) {
		into[ispec.AnnotationBaseImageName] = spec
		return
	}
	if d, ok := manifestAnnotations[ispec.AnnotationBaseImageDigest]; ok {
		into[ispec.AnnotationBaseImageDigest], into[ispec.AnnotationBaseImageName] = d, manifestAnnotations[ispec.AnnotationBaseImageName]
	}
}

// namePrefix is buildah's imageNamePrefix, cuts and all: a
// "registry:5000/x" name gives "registry", as it does in buildah.
func namePrefix(name string) string {
	prefix := name
	if d, err := digest.Parse(name); err == nil {
		prefix = d.Encoded()[:min(12, len(d.Encoded()))]
	}
	if stringid.ValidateID(prefix) == nil {
		prefix = stringid.TruncateID(prefix)
	}
	prefix, _, _ = strings.Cut(prefix, ":")
	prefix = prefix[strings.LastIndex(prefix, "/")+1:]
	prefix, _, _ = strings.Cut(prefix, "@")
	return prefix
}

// create creates the storage container, named name or else the first free
// of base, base-1, base-2, ... (buildah's numbering). A free name another
// process (or build stage) takes first is simply skipped, so concurrent
// "hod from" calls all succeed. j notes the container before it exists.
func create(store cstorage.Store, j *storage.Journal, name, base, imageID string, ids state.IDMap) (*cstorage.Container, string, error) {
	for {
		chosen := name
		if chosen == "" {
			var err error
			if chosen, err = uniqueName(store, base); err != nil {
				return nil, "", err
			}
		}
		id := stringid.GenerateRandomID()
		if err := j.Temporary(id); err != nil {
			return nil, "", err
		}
		sc, err := j.CreateContainer(store, id, []string{chosen}, imageID, state.Marker, storageOptions(ids))
		if name == "" && errors.Is(err, cstorage.ErrDuplicateName) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("creating container: %w", err) // buildah's words; containers/storage's name the container
		}
		return sc, chosen, nil
	}
}

func uniqueName(store cstorage.Store, base string) (string, error) {
	name := base
	for i := 1; ; i++ {
		_, err := store.Container(name)
		if errors.Is(err, cstorage.ErrContainerUnknown) {
			return name, nil
		}
		if err != nil {
			return "", fmt.Errorf("look up container %q: %w", name, err)
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// Open loads the working container called nameOrID (a name, an ID or an ID prefix).
func Open(store cstorage.Store, nameOrID string) (*Container, error) {
	st, _, err := catalog.OpenWorking(storage.CatalogView(store), nameOrID)
	if err != nil {
		return nil, err
	}
	return &Container{State: *st, store: store}, nil
}

// dir is a storage container's directory, where its state lives.
func dir(store cstorage.Store, id string) string {
	return catalog.ContainerDir(store.GraphRoot(), store.GraphDriverName(), id)
}

// Dir is the container's own directory in the store (its state, and the
// contents of its image's volumes while it runs).
func (c *Container) Dir() string { return dir(c.store, c.ID) }

func (c *Container) save() error { return c.State.Write(dir(c.store, c.ID)) }

// Apply makes the changes, records their history entry and saves them.
func (c *Container) Apply(changes ...state.Change) error {
	c.State.Apply(changes...)
	return c.save()
}

// ApplyUnsaved makes the changes and records their history entry in
// memory only, until Save: a build, the one user of its working container,
// saves at its commits, so a Containerfile's configuration instructions
// cost what they change, not a write of the whole state each (4,000 LABEL
// lines wrote 4,000 ever larger state files).
func (c *Container) ApplyUnsaved(changes ...state.Change) {
	c.State.Apply(changes...)
}

// Save writes the container's state.
func (c *Container) Save() error { return c.save() }

// AddHistory records empty-layer history entries and saves them (buildah's
// --add-history).
func (c *Container) AddHistory(createdBy ...string) error {
	c.State.AddHistory(createdBy...)
	return c.save()
}

// List returns hod's working containers, in store order: the listing
// both binaries share (catalog.WorkingContainers).
func List(store cstorage.Store) ([]*Container, error) {
	states, _, err := catalog.WorkingContainers(storage.CatalogView(store))
	if err != nil {
		return nil, err
	}
	list := make([]*Container, len(states))
	for i := range states {
		list[i] = &Container{State: states[i], store: store}
	}
	return list, nil
}

// Delete removes the container and its layer, unmounting it first.
func (c *Container) Delete() error {
	if err := mount.Release(c.StablePath()); err != nil {
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	if err := c.store.DeleteContainer(c.ID); err != nil {
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	return nil
}

// Rename gives the container a new name.
func (c *Container) Rename(name string) error {
	if name == c.Name {
		return errors.New("renaming a container with the same name as its current name")
	}
	if other, err := c.store.Container(name); err == nil {
		return fmt.Errorf("the container name %q is already in use by %s", name, other.ID)
	}
	if err := c.store.SetNames(c.ID, []string{name}); err != nil {
		return fmt.Errorf("rename container %s to %q: %w", c.Name, name, err)
	}
	c.Name = name
	return c.save()
}

// Store is the store the container lives in.
func (c *Container) Store() cstorage.Store { return c.store }

// LayerID is the container's own read-write layer.
func (c *Container) LayerID() (string, error) {
	sc, err := c.store.Container(c.ID)
	if err != nil {
		return "", fmt.Errorf("open container %s: %w", c.Name, err)
	}
	return sc.LayerID, nil
}
