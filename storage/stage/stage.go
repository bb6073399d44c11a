package stage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/hodbuild/hod/internal/flock"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"
	graphdriver "go.podman.io/storage/drivers"
)

// Opener opens a layer's uncompressed tar stream. Write may call it more
// than once (after losing containers/storage's staging race), and reads
// each stream to its end.
type Opener func() (io.ReadCloser, error)

// Options say where a stream comes from.
type Options struct {
	// Foreign marks a stream hod did not make (a downloaded layer): its
	// entry names are read as containers/storage's extraction reads them,
	// a leading "/" naming the layer's root.
	Foreign bool
}

// Layer is a stream staged in the storage driver, not yet a layer of the
// store: Create makes it one, Discard drops it. One of the two must be
// called.
type Layer struct {
	store cstorage.Store
	out   *graphdriver.DriverWithDifferOutput
}

// Unsupported says whether err means the store's driver cannot stage a
// layer as a directory, so the layer must be written another way.
func Unsupported(err error) bool {
	return errors.Is(err, errNotStageable) || errors.Is(err, cstorage.ErrNotSupported)
}

// Write stages the stream open returns.
func Write(store cstorage.Store, open Opener, opts Options) (*Layer, error) {
	var out *graphdriver.DriverWithDifferOutput
	err := storage.RetryStagingRace("write layer", func() error {
		unlock, err := flock.Lock(storage.DriverStagingLock(store))
		if err != nil {
			return err
		}
		made := sync.OnceFunc(unlock)
		defer made()
		out, err = store.PrepareStagedLayer(nil, oneWrite{open: open, made: made, foreign: opts.Foreign})
		if err != nil && out != nil && out.Target != "" {
			_ = store.CleanupStagedLayer(out)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Layer{store: store, out: out}, nil
}

// DiffID is the digest of the uncompressed stream.
func (l *Layer) DiffID() digest.Digest { return l.out.UncompressedDigest }

// Size is the length of the uncompressed stream.
func (l *Layer) Size() int64 { return l.out.Size }

// SetCompressedDigest records the digest of the blob the stream was
// decompressed from, by which containers/image finds the layer again.
func (l *Layer) SetCompressedDigest(d digest.Digest) { l.out.CompressedDigest = d }

// Discard drops the staged files.
func (l *Layer) Discard() error { return l.store.CleanupStagedLayer(l.out) }

// Create makes the staged files the layer id on parent. A layer that
// already has that ID is returned instead (created false) and the staged
// files dropped: applying a staged layer onto an existing ID would replace
// its files, even under a mounted container, so writers of one layer take
// turns and the later one reuses the earlier one's.
func (l *Layer) Create(id, parent string) (layer *cstorage.Layer, created bool, err error) {
	err = flock.With(storeconf.LayerApplyLock(l.store.RunRoot()), func() error {
		if existing, err := l.store.Layer(id); err == nil {
			layer = existing
			return nil
		}
		var err error
		layer, err = l.store.ApplyStagedLayer(cstorage.ApplyStagedLayerOptions{ID: id, ParentLayer: parent, DiffOutput: l.out, DiffOptions: &graphdriver.ApplyDiffWithDifferOpts{}})
		created = err == nil
		if created {
			// The driver moved the staged files into the layer and leaves
			// their empty staging directory until a shutdown with nothing
			// mounted, which a build with a working container rarely has.
			_ = os.Remove(filepath.Dir(l.out.Target))
		}
		return err
	})
	if err != nil || !created {
		err = errors.Join(err, l.Discard())
	}
	if err != nil {
		return nil, false, fmt.Errorf("write layer: %w", err)
	}
	return layer, created, nil
}
