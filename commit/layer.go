package commit

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/internal/tarx"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/stage"
	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"
	graphdriver "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
)

// putLayer writes the container's changes (or, squashed, its whole rootfs)
// as a new layer on parent, streamed from the mounted root filesystem;
// with OmitEmptyLayer, no changes give no layer (nil). created says whether
// the layer is new (and so the caller's to delete on failure).
//
// The layer is named as containers/image names layers (a chain of parent
// ID and diff ID): otherwise pulling an image hod committed back into the
// same store, with hod, buildah or podman, collides with it. The diff ID is
// known only after reading the changes, so where the driver can stage a
// layer before naming it (overlay) the changes are read once, written into
// the staging directory and named after; elsewhere (vfs) they are hashed in
// a first, read-only pass and PutLayer reads them again. store.Diff is
// avoided: its lock would deadlock PutLayer.
func putLayer(c *container.Container, parent string, j *storage.Journal, opts Options) (layer *cstorage.Layer, created bool, err error) {
	root, err := c.Mount()
	if err != nil {
		return nil, false, err
	}
	// Noted, so a killed commit's reference is dropped by the next hod.
	if err := j.Mounted(c.ID); err != nil {
		_ = c.Unmount(false)
		return nil, false, err
	}
	defer func() {
		// Unmounting (which can take a while) comes first: a kill during
		// it leaves the note, and the next hod drops the reference.
		_ = c.Unmount(false) // a failed unmount leaves a mount, not a wrong image
		j.Unmounted(c.ID)
	}()
	if opts.Squash {
		parent = ""
	}
	open, err := layerSource(c, root, opts)
	if err != nil {
		return nil, false, err
	}
	w := layerWrite{store: c.Store(), parent: parent, open: open, journal: j, opts: opts}
	layer, created, err = w.staged()
	if stage.Unsupported(err) {
		return w.twoPass()
	}
	return layer, created, err
}

// layerWrite is one layer being written from a container's changes.
type layerWrite struct {
	store   cstorage.Store
	parent  string
	open    opener
	journal *storage.Journal
	opts    Options
}

// empty says whether a layer of this diff ID is left out.
func (w layerWrite) empty(diffID digest.Digest) bool {
	return w.opts.OmitEmptyLayer && diffID == emptyLayer && !w.opts.Squash
}

// staged writes the layer in one pass: extracted into the driver's staging
// directory, then created under its chain ID.
func (w layerWrite) staged() (*cstorage.Layer, bool, error) {
	staged, err := stage.Write(w.store, stage.Opener(w.open), stage.Options{})
	if err != nil {
		return nil, false, err
	}
	diffID := staged.DiffID()
	if w.empty(diffID) {
		return nil, false, staged.Discard()
	}
	id := storage.LayerID(w.parent, diffID)
	if err := w.journal.Layer(id); err != nil {
		_ = staged.Discard()
		return nil, false, err
	}
	failpoint.Hit("commit-before-layer")
	return staged.Create(id, w.parent)
}

// twoPass hashes the changes first to name the layer, then lets PutLayer
// read them again; an existing identical layer is reused.
func (w layerWrite) twoPass() (layer *cstorage.Layer, created bool, err error) {
	diffID, err := hashStream(w.open)
	if err != nil {
		return nil, false, err
	}
	if w.empty(diffID) {
		return nil, false, nil
	}
	id := storage.LayerID(w.parent, diffID)
	if err := w.journal.Layer(id); err != nil {
		return nil, false, err
	}
	failpoint.Hit("commit-before-layer")
	if l, err := w.store.Layer(id); err == nil {
		return l, false, nil
	}
	err = storage.RetryStagingRace("write layer "+id, func() error {
		stream, err := w.open()
		if err != nil {
			return err
		}
		defer stream.Close()
		layer, _, err = w.store.PutLayer(id, w.parent, nil, "", false, nil, stream)
		return err
	})
	if errors.Is(err, cstorage.ErrDuplicateID) {
		// A concurrent commit (another build stage) wrote the same layer first.
		if l, lerr := w.store.Layer(id); lerr == nil {
			return l, false, nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("write layer: %w", err)
	}
	if layer.UncompressedDigest != diffID {
		_ = w.store.DeleteLayer(id)
		return nil, false, fmt.Errorf("write layer: the container changed while it was committed; commit again")
	}
	return layer, true, nil
}

// emptyLayer is the diff ID of a layer with no changes (an empty tar).
const emptyLayer = digest.Digest("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")

func hashStream(open opener) (digest.Digest, error) {
	r, err := open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	digester := digest.Canonical.Digester()
	if _, err := io.Copy(digester.Hash(), r); err != nil {
		return "", fmt.Errorf("read changes: %w", err)
	}
	return digester.Digest(), nil
}

// opener opens a layer's tar stream, once per pass.
type opener func() (io.ReadCloser, error)

// layerSource finds the layer's contents once and returns what streams
// them, the same bytes each time for the same rootfs: times are fixed by
// --timestamp, and the whiteouts the change-list route dates "now" are
// dated at the epoch.
func layerSource(c *container.Container, root string, opts Options) (opener, error) {
	raw, overlay, err := changes(c, root, opts.Squash)
	if err != nil {
		return nil, err
	}
	var edit func(*tar.Header)
	switch {
	case opts.Timestamp != nil:
		edit = func(h *tar.Header) { setTimes(h, *opts.Timestamp) }
	case !overlay && !opts.Squash:
		edit = func(h *tar.Header) {
			if strings.HasPrefix(path.Base(h.Name), archive.WhiteoutPrefix) {
				setTimes(h, time.Unix(0, 0))
			}
		}
	default:
		return raw, nil
	}
	return func() (io.ReadCloser, error) {
		stream, err := raw()
		if err != nil {
			return nil, err
		}
		return rewritten(stream, edit), nil
	}, nil
}

// changes finds what the layer holds and returns its raw stream; overlay
// says whether it comes from overlay's upper directory.
func changes(c *container.Container, root string, squash bool) (open opener, overlay bool, err error) {
	// A container with an ID mapping has host IDs on disk; the layer
	// records container IDs.
	uids, gids := c.IDMap.UIDs, c.IDMap.GIDs
	if squash {
		return func() (io.ReadCloser, error) {
			return archive.TarWithOptions(root, &archive.TarOptions{Compression: archive.Uncompressed, UIDMaps: uids, GIDMaps: gids})
		}, false, nil
	}
	layerID, err := c.LayerID()
	if err != nil {
		return nil, false, err
	}
	if upper, lowers := overlayDirs(c.Store(), layerID); upper != "" {
		// The upper directory is the change set. Tar it as the overlay
		// driver's own Diff does, turning its whiteouts and opaque markers
		// into OCI ones (the lower directories tell a recreated directory
		// from a new one): the change-list route below loses opaque directories.
		return func() (io.ReadCloser, error) {
			return archive.TarWithOptions(upper, &archive.TarOptions{WhiteoutFormat: archive.OverlayWhiteoutFormat, WhiteoutData: lowers, UIDMaps: uids, GIDMaps: gids})
		}, true, nil
	}
	// Comparing the trees is the costly part: done once for both passes.
	list, err := c.Store().Changes("", layerID)
	if err != nil {
		return nil, false, fmt.Errorf("list changes: %w", err)
	}
	return func() (io.ReadCloser, error) { return archive.ExportChanges(root, list, uids, gids) }, false, nil
}

// overlayDirs returns a layer's overlay upper directory and lower
// directories when the driver diffs natively (the upper directory then holds
// exactly the layer's changes), or "".
func overlayDirs(store cstorage.Store, layerID string) (string, []string) {
	driver, err := store.GraphDriver()
	if err != nil || driver.String() != "overlay" {
		return "", nil
	}
	if !nativeDiff(driver) {
		return "", nil
	}
	meta, err := driver.Metadata(layerID)
	if err != nil {
		return "", nil
	}
	var lowers []string
	if meta["LowerDir"] != "" {
		lowers = strings.Split(meta["LowerDir"], ":")
	}
	return meta["UpperDir"], lowers
}

// statusMu serialises the driver's Status: overlay fills caches in it
// without a lock, and a build's stages commit at once.
var statusMu sync.Mutex

// nativeDiff says whether overlay diffs natively.
func nativeDiff(driver graphdriver.Driver) bool {
	statusMu.Lock()
	defer statusMu.Unlock()
	for _, kv := range driver.Status() {
		if kv[0] == "Native Overlay Diff" && kv[1] == "true" {
			return true
		}
	}
	return false
}

// rewritten passes a tar stream through edit, entry by entry.
func rewritten(r io.ReadCloser, edit func(*tar.Header)) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(rewrite(r, pw, edit))
	}()
	return struct {
		io.Reader
		io.Closer
	}{pr, closers{pr, r}}
}

// setTimes fixes an entry's times and drops host user and group names:
// the parts of a layer that differ between otherwise equal builds.
func setTimes(h *tar.Header, t time.Time) {
	h.ModTime, h.AccessTime, h.ChangeTime = t, time.Time{}, time.Time{}
	h.Uname, h.Gname = "", ""
	for _, k := range []string{"mtime", "atime", "ctime"} {
		delete(h.PAXRecords, k)
	}
}

func rewrite(r io.Reader, w io.Writer, edit func(*tar.Header)) error {
	tw := tar.NewWriter(w)
	if err := tarx.Copy(tar.NewReader(r), tw, edit); err != nil {
		return err
	}
	return tw.Close()
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
