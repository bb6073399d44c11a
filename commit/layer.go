package commit

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hodbuild/hod/container"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// putLayer streams the container's changes (or, squashed, its whole rootfs)
// from the mounted root filesystem straight into a new layer. The stream is
// read once: PutLayer hashes it and stores tar-split data so later Diffs
// reproduce it byte for byte. It deliberately avoids store.Diff, whose lock
// would deadlock the PutLayer in the same process.
func putLayer(c *container.Container, parent string, opts Options) (*cstorage.Layer, error) {
	store := c.Store()
	root, err := c.Mount()
	if err != nil {
		return nil, err
	}
	defer c.Unmount(false) //nolint:errcheck // a failed unmount leaves a mount, not a wrong image
	stream, err := changes(c, root, opts.Squash)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	if opts.Timestamp != nil {
		stream = withTimestamp(stream, *opts.Timestamp)
	}
	if opts.Squash {
		parent = ""
	}
	layer, _, err := store.PutLayer("", parent, nil, "", false, nil, stream)
	if err != nil {
		return nil, fmt.Errorf("write layer: %w", err)
	}
	return layer, nil
}

func changes(c *container.Container, root string, squash bool) (io.ReadCloser, error) {
	if squash {
		return archive.TarWithOptions(root, &archive.TarOptions{Compression: archive.Uncompressed})
	}
	layerID, err := c.LayerID()
	if err != nil {
		return nil, err
	}
	if upper, lowers := overlayDirs(c.Store(), layerID); upper != "" {
		// The upper directory is the change set. Tar it as the overlay
		// driver's own Diff does, turning its whiteouts and opaque markers
		// into OCI ones (the lower directories tell a recreated directory
		// from a new one): the change-list route below loses opaque directories.
		return archive.TarWithOptions(upper, &archive.TarOptions{WhiteoutFormat: archive.OverlayWhiteoutFormat, WhiteoutData: lowers})
	}
	list, err := c.Store().Changes("", layerID)
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	return archive.ExportChanges(root, list, nil, nil)
}

// overlayDirs returns a layer's overlay upper directory and lower
// directories when the driver diffs natively (the upper directory then holds
// exactly the layer's changes), or "".
func overlayDirs(store cstorage.Store, layerID string) (string, []string) {
	driver, err := store.GraphDriver()
	if err != nil || driver.String() != "overlay" {
		return "", nil
	}
	native := false
	for _, kv := range driver.Status() {
		native = native || kv[0] == "Native Overlay Diff" && kv[1] == "true"
	}
	if !native {
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

// withTimestamp rewrites every entry's times to t and drops host user and
// group names, the parts of a layer that differ between otherwise equal builds.
func withTimestamp(r io.ReadCloser, t time.Time) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(rewrite(r, pw, t))
	}()
	return struct {
		io.Reader
		io.Closer
	}{pr, closers{pr, r}}
}

func rewrite(r io.Reader, w io.Writer, t time.Time) error {
	tr, tw := tar.NewReader(r), tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = t, time.Time{}, time.Time{}
		hdr.Uname, hdr.Gname = "", ""
		for _, k := range []string{"mtime", "atime", "ctime"} {
			delete(hdr.PAXRecords, k)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
