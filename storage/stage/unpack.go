package stage

import (
	stdtar "archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hodbuild/hod/internal/tarx"
	"github.com/klauspost/readahead"
	"github.com/opencontainers/go-digest"
	"github.com/vbatts/tar-split/archive/tar"
	"github.com/vbatts/tar-split/tar/asm"
	tarstorage "github.com/vbatts/tar-split/tar/storage"
	graphdriver "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/idtools"
	"go.podman.io/storage/pkg/ioutils"
	"go.podman.io/storage/pkg/tarlog"
	"golang.org/x/sys/unix"
)

// errNotStageable says the driver stages layers in a layout other than a
// plain directory (composefs).
var errNotStageable = errors.New("the storage driver does not stage layers as directories")

// oneWrite is a containers/storage Differ that reads a layer's tar stream
// once: it extracts the stream into the driver's staging directory while
// hashing it and recording its tar-split, so the layer can be named after
// its diff ID (as containers/image names layers) without a second read.
type oneWrite struct {
	open Opener
	// made is called once the driver has made and locked the staging
	// directory (storage.DriverStagingLock).
	made    func()
	foreign bool
}

func (oneWrite) Close() error { return nil }

// ApplyDiff is called by the storage driver with the staging directory and
// the extraction options it would use itself (whiteout format, ID maps).
func (w oneWrite) ApplyDiff(dest string, opts *archive.TarOptions, dopts *graphdriver.DifferOptions) (graphdriver.DriverWithDifferOutput, error) {
	w.made()
	if dopts == nil || dopts.Format != graphdriver.DifferOutputFormatDir {
		return graphdriver.DriverWithDifferOutput{}, errNotStageable
	}
	// tar-split can be as big as the layer has files: it goes to an
	// unnamed file on the store's disk, never to memory.
	split, err := os.OpenFile(dopts.StagingDirectory, unix.O_TMPFILE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return graphdriver.DriverWithDifferOutput{}, fmt.Errorf("tar-split file: %w", err)
	}
	out, err := w.extract(dest, opts, split)
	if err != nil {
		split.Close()
		return graphdriver.DriverWithDifferOutput{}, err
	}
	out.TarSplit = split
	return out, nil
}

func (w oneWrite) extract(dest string, opts *archive.TarOptions, split *os.File) (out graphdriver.DriverWithDifferOutput, err error) {
	stream, err := w.open()
	if err != nil {
		return out, err
	}
	ids := idLog{uids: map[uint32]bool{}, gids: map[uint32]bool{}}
	digester := digest.Canonical.Digester()
	counter := ioutils.NewWriteCounter(digester.Hash())
	buffered := bufio.NewWriterSize(split, 64<<10)
	// Three stages (the tar of the changes, tar-split with the digest,
	// the unpack) hand the stream on through pipes that block the writer
	// until the reader has taken everything: read ahead of each, so they
	// run at once on different cores.
	ahead := readAhead(stream)
	// The stream closes first: a read ahead of a failed unpack then ends
	// at once, not when the tar of the changes is done.
	defer func() { stream.Close(); ahead.Close() }()
	payload, done, err := asm.NewInputTarStreamWithDone(io.TeeReader(ahead, counter), tarstorage.NewJSONPacker(buffered), tarstorage.NewDiscardFilePutter())
	if err != nil {
		return out, err
	}
	unpacked := readAhead(payload)
	note := ids.note
	if w.foreign {
		note = func(h *stdtar.Header) { rooted(h); ids.note(h) }
	}
	err = unpack(unpacked, dest, opts, note)
	if err == nil {
		// The stream's trailing padding belongs in tar-split too.
		_, err = io.Copy(io.Discard, unpacked)
	}
	if err != nil {
		stream.Close() // tar-split stops at its next read
	}
	payload.Close()
	unpacked.Close()
	err = errors.Join(err, <-done, buffered.Flush())
	if err != nil {
		return out, fmt.Errorf("write layer: %w", err)
	}
	out.UncompressedDigest = digester.Digest()
	out.Size = counter.Count
	out.UIDs, out.GIDs = ids.sorted()
	return out, nil
}

// readAhead reads r in a goroutine of its own, up to 4 MB ahead of its
// reader.
func readAhead(r io.Reader) io.ReadCloser {
	ra, err := readahead.NewReaderSize(r, 4, 1<<20)
	if err != nil { // only for sizes out of range
		panic(err)
	}
	return ra
}

// unpack extracts the layer's stream into the staging directory, the
// driver's new, empty one, so tarx.DirWriter writes it in this process,
// with the extraction's results and without its second process and
// path-based calls. DirWriter follows no symlink: a stream that writes
// through one (which no tar of a real tree does) fails, where the
// extraction would resolve it inside the layer. A mask forced on the
// files (a store's force_mask) goes to containers/storage's extraction,
// which keeps the real modes in an attribute. note sees every header as
// the stream records it (IDs in the container's terms) and may adjust
// its name before it is written.
func unpack(r io.Reader, dest string, opts *archive.TarOptions, note func(*stdtar.Header)) error {
	if opts.ForceMask != nil {
		// The extraction is another process's: the headers are read
		// beside it.
		logger, err := tarlog.NewLogger(func(h *tar.Header) { note(&stdtar.Header{Name: h.Name, Uid: h.Uid, Gid: h.Gid}) })
		if err != nil {
			return err
		}
		return errors.Join(chrootarchive.UntarUncompressed(io.TeeReader(r, logger), dest, opts), logger.Close())
	}
	ids := idtools.NewIDMappingsFromMaps(opts.UIDMaps, opts.GIDMaps)
	dir, err := os.Open(dest)
	if err != nil {
		return err
	}
	defer dir.Close()
	dw, err := tarx.NewDirWriter(dir, tarx.DirOptions{
		Owner: func(h *stdtar.Header) (tarx.Owner, error) {
			if ids.Empty() {
				return tarx.Owner{UID: h.Uid, GID: h.Gid}, nil
			}
			p, err := ids.ToHost(idtools.IDPair{UID: h.Uid, GID: h.Gid})
			return tarx.Owner(p), err
		},
		Root:              tarx.Owner(ids.RootPair()),
		IgnoreChownErrors: opts.IgnoreChownErrors,
		InUserNS:          opts.InUserNS,
		OpaqueXattr:       opaqueXattr(opts.WhiteoutFormat),
	})
	if err != nil {
		return err
	}
	if err := tarx.Copy(stdtar.NewReader(r), dw, note); err != nil {
		dw.Abort()
		return err
	}
	return dw.Close()
}

// rooted reads a foreign entry's name and hard-link target as the
// extraction does, joined to the layer's root: "/etc" and "/../etc" are
// "etc" ("../etc" stays outside, and is refused).
func rooted(h *stdtar.Header) {
	h.Name = fromRoot(h.Name)
	if h.Typeflag == stdtar.TypeLink {
		h.Linkname = fromRoot(h.Linkname)
	}
}

func fromRoot(name string) string {
	if !strings.HasPrefix(name, "/") {
		return name
	}
	if name = strings.TrimPrefix(path.Clean(name), "/"); name == "" {
		return "."
	}
	return name
}

// opaqueXattr is the attribute that marks a directory opaque in a
// whiteout format ("" where whiteouts stay files).
func opaqueXattr(f archive.WhiteoutFormat) string {
	if f == archive.OverlayWhiteoutFormat {
		return archive.GetOverlayXattrName("opaque")
	}
	return ""
}

// idLog collects the owners a layer's files have, which containers/storage
// keeps with every layer (whiteouts excepted, as it does itself).
type idLog struct{ uids, gids map[uint32]bool }

func (l idLog) note(h *stdtar.Header) {
	if !strings.HasPrefix(path.Base(h.Name), archive.WhiteoutPrefix) {
		l.uids[uint32(h.Uid)] = true
		l.gids[uint32(h.Gid)] = true
	}
}

func (l idLog) sorted() (uids, gids []uint32) {
	keys := func(m map[uint32]bool) []uint32 {
		s := make([]uint32, 0, len(m))
		for k := range m {
			s = append(s, k)
		}
		slices.Sort(s)
		return s
	}
	return keys(l.uids), keys(l.gids)
}
