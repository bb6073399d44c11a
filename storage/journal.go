package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/storeconf"

	"github.com/hodbuild/hod/internal/lockdir"
	"github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/stringid"
)

// A Journal records the layers and images a write (a commit) creates, in
// a locked directory of the store, until the write is done. If the process
// dies first, the next hod (lease.Reap with ReapWrites) deletes the images it left without
// a name or a container, and the layers nothing references: containers/
// storage marks a layer incomplete only while PutLayer runs, so a commit
// killed after writing its layer but before recording its image would
// otherwise leave a complete layer no image, container or prune reaches.
type Journal struct{ dir *lockdir.Dir }

func journalRoot(store cstorage.Store) string {
	return storeconf.JournalDir(store.GraphRoot())
}

// Roots places store's leases (package lease).
func Roots(store cstorage.Store) lease.Roots {
	return lease.Roots{GraphRoot: store.GraphRoot(), RunRoot: store.RunRoot()}
}

// BeginWrite starts a journal in store: a lease of kind lease.Write.
func BeginWrite(store cstorage.Store) (*Journal, error) {
	d, err := lease.Write.Take(journalRoot(store), "")
	if err != nil {
		return nil, fmt.Errorf("begin write: %w", err)
	}
	return &Journal{dir: d}, nil
}

// Layer records that the write creates, or reuses, layer id.
func (j *Journal) Layer(id string) error { return j.note("layer", id) }

// Container records that the write creates storage container id, to be
// named name when it replaces the one that has that name now.
func (j *Journal) Container(id, name string) error {
	return os.WriteFile(filepath.Join(j.dir.Path, "container-"+id), []byte(name), 0o600)
}

// Temporary records that the container called nameOrID is to go if the
// write does not finish (a build's working containers, a container whose
// state is not saved yet).
func (j *Journal) Temporary(nameOrID string) error {
	return os.WriteFile(filepath.Join(j.dir.Path, "temp-"+stringid.GenerateRandomID()[:16]), []byte(nameOrID), 0o600)
}

// CreateContainer creates storage container id on a layer whose ID is
// noted first: containers/storage makes a container's layer before it
// records the container, and a process killed in between would leave a
// layer nothing references.
func (j *Journal) CreateContainer(store cstorage.Store, id string, names []string, image, metadata string, opts *cstorage.ContainerOptions) (*cstorage.Container, error) {
	layer := stringid.GenerateRandomID()
	if err := j.Layer(layer); err != nil {
		return nil, err
	}
	return store.CreateContainer(id, names, image, layer, metadata, opts)
}

// Mounted records that the write holds a mount reference on container
// id, taken just before (lease.NoteMount); Unmounted forgets it once the
// reference is dropped. A killed write's reference is dropped by
// lease.Reap.
func (j *Journal) Mounted(id string) error { return lease.NoteMount(j.dir.Path, id) }

// Unmounted forgets a reference Mounted recorded.
func (j *Journal) Unmounted(id string) { lease.ForgetMount(j.dir.Path, id) }

// Unmount is lease.Reap's handler of the mount references dead leases
// noted: an unmount of a container no longer there is no error.
func Unmount(store cstorage.Store) func(id string) error {
	return func(id string) error {
		logrus.Debugf("dropping the mount of %s a killed hod held", id)
		if _, err := store.Unmount(id, false); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) && !errors.Is(err, cstorage.ErrLayerNotMounted) {
			logrus.Debugf("unmount %s: %v", id, err)
		}
		return nil
	}
}

// Image records that the write creates image id.
func (j *Journal) Image(id string) error { return j.note("image", id) }

func (j *Journal) note(kind, id string) error {
	f, err := os.Create(filepath.Join(j.dir.Path, kind+"-"+id))
	if err != nil {
		return err
	}
	return f.Close()
}

// Done ends the journal: what the write made stays.
func (j *Journal) Done() {
	if err := j.dir.Release(); err != nil {
		logrus.Debugf("end write journal: %v", err)
	}
}

// ReapWrites is lease.Reap's handler of dead journals: it removes what
// writes of killed processes left unreachable. Container moves are
// finished or undone first, then temporary containers, unnamed unused
// images and unreferenced layers go. Layers a live write has noted are
// left alone.
func ReapWrites(store cstorage.Store) func(dirs []string) error {
	root := journalRoot(store)
	return func(dirs []string) error {
		reapDriverStaging(store)
		var layers, images, temps []string
		for _, dir := range dirs {
			if err := finishMoves(store, dir); err != nil {
				return err
			}
			l, i, tc, err := readJournal(dir)
			if err != nil {
				return err
			}
			layers, images, temps = append(layers, l...), append(images, i...), append(temps, tc...)
		}
		for _, name := range temps {
			if c, err := store.Container(name); err == nil {
				logrus.Debugf("removing temporary container %s left by a killed build", name)
				if _, err := store.Unmount(c.ID, true); err != nil {
					logrus.Debugf("unmount %s: %v", name, err)
				}
				if err := store.DeleteContainer(c.ID); err != nil {
					return err
				}
			}
		}
		for _, id := range images {
			if err := dropUnusedImage(store, id); err != nil {
				return err
			}
		}
		live, err := liveLayers(root, dirs)
		if err != nil {
			return err
		}
		// A parent is unreferenced only once its child has gone, and the
		// journal lists layers in no particular order: passes go on while
		// one drops something.
		for dropped := true; dropped; {
			dropped = false
			for _, id := range layers {
				if live[id] {
					continue
				}
				gone, err := dropUnusedLayer(store, id)
				if err != nil {
					return err
				}
				dropped = dropped || gone
			}
		}
		return nil
	}
}

// finishMoves completes or undoes the container moves (Rebase) a killed
// write noted: while the old container still has the name, the new one
// goes; once the old one is gone, the new one takes its name.
func finishMoves(store cstorage.Store, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		id, ok := strings.CutPrefix(e.Name(), "container-")
		if !ok {
			continue
		}
		name, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if _, err := store.Container(id); err != nil {
			continue // never created, or already undone
		}
		if old, err := store.Container(string(name)); err == nil && old.ID != id {
			logrus.Debugf("undoing the unfinished move of container %s", name)
			if err := store.DeleteContainer(id); err != nil {
				return err
			}
			continue
		}
		logrus.Debugf("finishing the move of container %s", name)
		if err := store.SetNames(id, []string{string(name)}); err != nil {
			return err
		}
	}
	return nil
}

func readJournal(dir string) (layers, images, temps []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), "layer-"); ok {
			layers = append(layers, id)
		} else if id, ok := strings.CutPrefix(e.Name(), "image-"); ok {
			images = append(images, id)
		} else if strings.HasPrefix(e.Name(), "temp-") {
			name, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, nil, nil, err
			}
			temps = append(temps, string(name))
		}
	}
	// Newest last in a commit chain does not matter: a layer is dropped
	// only once nothing, its children included, references it.
	return layers, images, temps, nil
}

// liveLayers are the layers noted by journals, other than the ones being
// reaped, whose writers are alive.
func liveLayers(root string, reaping []string) (map[string]bool, error) {
	live := map[string]bool{}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !strings.HasPrefix(e.Name(), storeconf.JournalPrefix) || slices.Contains(reaping, dir) || !lease.Live(dir) {
			continue
		}
		layers, _, _, err := readJournal(dir)
		if err != nil {
			continue // reaped meanwhile
		}
		for _, l := range layers {
			live[l] = true
		}
	}
	return live, nil
}

func dropUnusedImage(store cstorage.Store, id string) error {
	img, err := store.Image(id)
	if errors.Is(err, cstorage.ErrImageUnknown) {
		return nil
	}
	if err != nil || len(img.Names) > 0 {
		return err
	}
	if used, err := anyContainer(store, func(c cstorage.Container) bool { return c.ImageID == id }); used || err != nil {
		return err
	}
	logrus.Debugf("removing image %s left by a killed write", id)
	_, err = store.DeleteImage(id, true)
	return err
}

// dropUnusedLayer deletes layer id if nothing references it, and says
// whether it did.
func dropUnusedLayer(store cstorage.Store, id string) (bool, error) {
	if _, err := store.Layer(id); errors.Is(err, cstorage.ErrLayerUnknown) {
		return false, nil
	}
	images, err := store.Images()
	if err != nil {
		return false, err
	}
	layers, err := store.Layers()
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(images, func(img cstorage.Image) bool { return img.TopLayer == id }) ||
		slices.ContainsFunc(layers, func(l cstorage.Layer) bool { return l.Parent == id }) {
		return false, nil
	}
	if used, err := anyContainer(store, func(c cstorage.Container) bool { return c.LayerID == id }); used || err != nil {
		return false, err
	}
	logrus.Debugf("removing layer %s left by a killed write", id)
	return true, store.DeleteLayer(id)
}

func anyContainer(store cstorage.Store, uses func(cstorage.Container) bool) (bool, error) {
	containers, err := store.Containers()
	return slices.ContainsFunc(containers, uses), err
}

// Source notes the layers and the image a copy of src into the store
// creates. A source that cannot be read now goes unnoted; the copy reports
// why.
func (j *Journal) Source(ctx context.Context, sys *types.SystemContext, src types.ImageReference) {
	img, err := src.NewImage(ctx, sys)
	if err != nil {
		logrus.Debugf("journal %s: %v", RefName(src), err)
		return
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		logrus.Debugf("journal %s: %v", RefName(src), err)
		return
	}
	j.Copy(cfg.RootFS.DiffIDs, img.ConfigInfo().Digest)
}

// Copy notes the layers and the image a copy of an image with these diff
// IDs and config digest creates: containers/image names layers by the
// chain of the diff IDs (LayerID) and the image by its config digest.
func (j *Journal) Copy(diffIDs []digest.Digest, config digest.Digest) {
	parent := ""
	for _, d := range diffIDs {
		parent = LayerID(parent, d)
		_ = j.Layer(parent)
	}
	_ = j.Image(config.Encoded())
}

// LayerID is containers/image's name for a layer with this parent and diff
// ID, which hod's commits use too.
func LayerID(parent string, diffID digest.Digest) string {
	if parent == "" {
		return diffID.Encoded()
	}
	return digest.Canonical.FromString(parent + "+" + diffID.Encoded()).Encoded()
}
