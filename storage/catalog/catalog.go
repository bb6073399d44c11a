package catalog

import (
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
	var images []Image
	if err := read(s.dir(s.GraphRoot, "images"), "images", "images.json", &images); err != nil {
		return nil, err
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
	layers, err := readRecords[Layer](s.dir(s.GraphRoot, "layers"), "layers")
	if err != nil {
		return nil, err
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
	return readRecords[Container](s.dir(s.GraphRoot, "containers"), "containers")
}

// readRecords reads dir's KIND.json and volatile-KIND.json (where
// containers/storage keeps the records of volatile layers and containers).
func readRecords[T any](dir, kind string) ([]T, error) {
	var records, volatile []T
	if err := read(dir, kind, kind+".json", &records); err != nil {
		return nil, err
	}
	if err := read(dir, kind, "volatile-"+kind+".json", &volatile); err != nil {
		return nil, err
	}
	return append(records, volatile...), nil
}

// Mounts are the mounted layers.
func (s *Store) Mounts() ([]Mount, error) {
	var mounts []Mount
	err := read(s.dir(s.RunRoot, "layers"), "mountpoints", "mountpoints.json", &mounts)
	return mounts, err
}

// read decodes file in dir holding dir's LOCK.lock for reading, as
// containers/storage's readers do. A missing file is an empty list.
func read(dir, lock, file string, v any) error {
	file = filepath.Join(dir, file)
	unlock, err := readLock(filepath.Join(dir, lock+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) || len(data) == 0 && err == nil {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	return nil
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
}
