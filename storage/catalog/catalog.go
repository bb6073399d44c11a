package catalog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrHandOver says the store needs what only containers/storage (and
// the full binary) does: additional image stores, repairs, a layer whose
// size must be computed, cleaning up after a killed writer. The front
// hands the call over.
var ErrHandOver = errors.New("the store needs the full binary")

// ErrImageNotFound is returned (wrapped) when no local image matches a name.
var ErrImageNotFound = errors.New("image not known")

// Store is a store's location, as storeconf resolved it.
type Store struct{ GraphRoot, RunRoot, Driver string }

// Image is containers/storage's record of an image (images.json).
type Image struct {
	ID              string            `json:"id"`
	Digest          string            `json:"digest,omitempty"`
	Names           []string          `json:"names,omitempty"`
	NamesHistory    []string          `json:"names-history,omitempty"`
	TopLayer        string            `json:"layer,omitempty"`
	MappedTopLayers []string          `json:"mapped-layers,omitempty"`
	Metadata        string            `json:"metadata,omitempty"`
	BigDataNames    []string          `json:"big-data-names,omitempty"`
	BigDataSizes    map[string]int64  `json:"big-data-sizes,omitempty"`
	BigDataDigests  map[string]string `json:"big-data-digests,omitempty"`
	Created         time.Time         `json:"created"`
}

// Layer is containers/storage's record of a layer (layers.json).
type Layer struct {
	ID                 string         `json:"id"`
	Parent             string         `json:"parent,omitempty"`
	UncompressedDigest string         `json:"diff-digest,omitempty"`
	UncompressedSize   int64          `json:"diff-size,omitempty"`
	Flags              map[string]any `json:"flags,omitempty"`
}

// Container is containers/storage's record of a container (containers.json).
type Container struct {
	ID       string    `json:"id"`
	Names    []string  `json:"names,omitempty"`
	ImageID  string    `json:"image"`
	LayerID  string    `json:"layer"`
	Metadata string    `json:"metadata,omitempty"`
	Created  time.Time `json:"created"`
}

// Mount is a mounted layer (mountpoints.json).
type Mount struct {
	ID    string `json:"id"`
	Path  string `json:"path"`
	Count int    `json:"count"`
}

func (s *Store) dir(root, kind string) string { return filepath.Join(root, s.Driver+"-"+kind) }

// Images are the store's images.
func (s *Store) Images() ([]Image, error) {
	records, err := readRecords[imageRecord](s.dir(s.GraphRoot, "images"), "images", imageEntry, false)
	if err != nil {
		return nil, err
	}
	images := make([]Image, len(records))
	for i, r := range records {
		images[i] = r.Image
	}
	seen := map[string]bool{}
	for _, img := range images {
		for _, n := range img.Names {
			if seen[n] { // containers/storage repairs this, under a write lock
				return nil, fmt.Errorf("image name %q twice: %w", n, ErrHandOver)
			}
			seen[n] = true
		}
		if img.Digest == "" && hasManifestDigest(img) {
			return nil, fmt.Errorf("image %s: digest to recompute: %w", img.ID, ErrHandOver)
		}
	}
	return images, nil
}

func hasManifestDigest(img Image) bool {
	for name := range img.BigDataDigests {
		if strings.HasPrefix(name, "manifest") {
			return true
		}
	}
	return false
}

// Layers are the store's layers, the volatile ones included.
func (s *Store) Layers() ([]Layer, error) {
	records, err := readRecords[layerRecord](s.dir(s.GraphRoot, "layers"), "layers", layerEntry, true)
	if err != nil {
		return nil, err
	}
	layers := make([]Layer, len(records))
	for i, r := range records {
		layers[i] = r.Layer
	}
	for _, l := range layers {
		if l.Flags["incomplete"] == true { // removed at containers/storage's next write
			return nil, fmt.Errorf("layer %s is incomplete: %w", l.ID, ErrHandOver)
		}
	}
	return layers, nil
}

// Containers are the store's containers, the volatile ones included.
func (s *Store) Containers() ([]Container, error) {
	return containersOf(readRecords[containerRecord](s.dir(s.GraphRoot, "containers"), "containers", containerEntry, true))
}

func containersOf(records []containerRecord, err error) ([]Container, error) {
	if err != nil {
		return nil, err
	}
	containers := make([]Container, len(records))
	for i, r := range records {
		containers[i] = r.Container
	}
	return containers, nil
}

// Mounts are the mounted layers. Their file is in the run root, which a
// reboot empties: missing, it means no mounts, as to containers/storage.
func (s *Store) Mounts() ([]Mount, error) {
	dir := s.dir(s.RunRoot, "layers")
	unlock, err := readLock(filepath.Join(dir, "mountpoints.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := knownEntries(dir, func(name string, _ bool) bool { return name == "mountpoints.json" || name == "mountpoints.lock" }); err != nil {
		return nil, err
	}
	var mounts []Mount
	if _, err := decode(filepath.Join(dir, "mountpoints.json"), &mounts); err != nil {
		return nil, err
	}
	return mounts, nil
}

// readRecords reads dir's KIND.json (and, with volatile, the
// volatile-KIND.json where containers/storage keeps the records of
// volatile layers and containers) holding dir's KIND.lock for reading, as
// containers/storage's readers do. It fails closed: the front reads these
// files without containers/storage, so anything it does not know exactly
// hands the call over (ErrHandOver) rather than be read as "nothing": a
// file or directory beside them that entry does not accept, a key in a
// record this version of containers/storage does not write, or a missing
// KIND.json where records were written.
func readRecords[T any](dir, kind string, entry func(name string, isDir bool) bool, volatile bool) ([]T, error) {
	unlock, err := readLock(filepath.Join(dir, kind+".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	return readHeld[T](dir, kind, entry, volatile)
}

// readHeld is readRecords for a caller that holds the lock already.
func readHeld[T any](dir, kind string, entry func(name string, isDir bool) bool, volatile bool) ([]T, error) {
	known := func(name string, isDir bool) bool {
		return name == kind+".json" || name == kind+".lock" || volatile && name == "volatile-"+kind+".json" || entry(name, isDir)
	}
	if err := knownEntries(dir, known); err != nil {
		return nil, err
	}
	var records, more []T
	found, err := decode(filepath.Join(dir, kind+".json"), &records)
	if err != nil {
		return nil, err
	}
	if !found {
		// No records is believable only where nothing was ever written:
		// no record's data, and a lock whose write token (containers/
		// storage writes one at every change) was never set.
		data, err := hasData(dir, kind)
		if lock, statErr := os.Stat(filepath.Join(dir, kind+".lock")); err != nil || data || statErr == nil && lock.Size() > 0 {
			return nil, fmt.Errorf("%s was written but has no %s.json: %w", dir, kind, ErrHandOver)
		}
	}
	if volatile {
		if _, err := decode(filepath.Join(dir, "volatile-"+kind+".json"), &more); err != nil {
			return nil, err
		}
	}
	return append(records, more...), nil
}

// decode reads a records file strictly (DisallowUnknownFields) into v; a
// missing or empty file is no records (found false).
func decode(file string, v any) (found bool, err error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) || len(data) == 0 && err == nil {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			return false, fmt.Errorf("read %s: %v: %w", file, err, ErrHandOver)
		}
		return false, fmt.Errorf("read %s: %w", file, err)
	}
	return true, nil
}

// knownEntries fails with ErrHandOver if dir holds a name known does not
// accept: a newer containers/storage's file, moved records, anything the
// catalog cannot say it reads as containers/storage would.
func knownEntries(dir string, known func(name string, isDir bool) bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !known(e.Name(), e.IsDir()) {
			return fmt.Errorf("%s: not a file the catalog knows: %w", filepath.Join(dir, e.Name()), ErrHandOver)
		}
	}
	return nil
}

// hasData says whether dir holds any record's data (an image's or a
// container's directory, a layer's tar-split): then its records file
// cannot be missing.
func hasData(dir, kind string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), kind+".") {
			return true, err
		}
	}
	return false, err
}

// UpdateContainers runs update holding the container store's lock for
// writing, the lock containers/storage's writers take (rm deletes a
// container under it), with the containers as they are under it: a
// change to a working container's state is neither lost to a concurrent
// one nor written into a container removed meanwhile. The front holds no
// other lock on the file, so its fcntl lock is its own.
func (s *Store) UpdateContainers(update func([]Container) error) error {
	dir := s.dir(s.GraphRoot, "containers")
	f, err := os.OpenFile(filepath.Join(dir, "containers.lock"), os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk); err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	containers, err := ReadContainersHeld(dir)
	if err != nil {
		return err
	}
	return update(containers)
}

// ReadContainersHeld reads the container records in dir (a store's
// DRIVER-containers) for a caller holding their lock.
func ReadContainersHeld(dir string) ([]Container, error) {
	return containersOf(readHeld[containerRecord](dir, "containers", containerEntry, true))
}

// readLock takes containers/storage's lock on path for reading: a fcntl
// lock on the whole file. A store that was never written has none yet.
func readLock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// ImageBigData is an image's big data item key (its manifest, its
// configuration under the configuration's digest).
func (s *Store) ImageBigData(id, key string) ([]byte, error) {
	return os.ReadFile(filepath.Join(s.dir(s.GraphRoot, "images"), id, bigDataName(key)))
}

// bigDataName is the file name containers/storage gives a big data key:
// the key itself if it is lower-case letters, digits and dots, else "="
// and its base64.
func bigDataName(key string) string {
	for _, c := range key {
		if c != '.' && (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "=" + base64.StdEncoding.EncodeToString([]byte(key))
		}
	}
	return key
}

// ContainerDir is the container's directory, where hod keeps its state.
func (s *Store) ContainerDir(id string) string { return ContainerDir(s.GraphRoot, s.Driver, id) }

// Reader is what hod's short calls read of a store: a Store (the front),
// or containers/storage's own view of it (the full binary, which also sees
// additional image stores and transient stores).
type Reader interface {
	Images() ([]Image, error)
	Layers() ([]Layer, error)
	Containers() ([]Container, error)
	Mounts() ([]Mount, error)
	ImageBigData(id, key string) ([]byte, error)
	ContainerDir(id string) string
	// UpdateContainers runs update holding the lock containers/storage's
	// container writers take, with the containers read under it.
	UpdateContainers(update func([]Container) error) error
}
