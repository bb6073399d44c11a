package transfer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/stage"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
	"github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chunked/toc"
	"golang.org/x/sync/errgroup"
)

// fetchAtOnce is how many layers are downloaded and staged at once, as
// containers/image's copy downloads several.
const fetchAtOnce = 3

// fetchLayers writes the layers of a registry image that the store lacks
// into it ahead of containers/image's copy, each in one pass: downloaded,
// decompressed once and extracted in this process while both digests are
// taken (storage/stage). The copy then finds every layer by its blob
// digest, as it finds layers another pull left, and writes the image's
// record (manifest, configuration, names, signatures) checking everything
// itself once more.
//
// Why hod does this: containers/image's storage destination writes each
// blob to a file, decompressing it once on the way to hash it, and then
// containers/storage decompresses the file again into an extraction in a
// chrooted second process. On a real base image that made a pull about 1.7×
// the time of `gzip -dc | tar -x` of its blobs.
//
// It does nothing (and the copy does all) unless it is sure to name the
// layers as the copy would: a registry source whose chosen image is a
// schema 2 or OCI one that the signature policy accepts, with plain
// (not encrypted, not zstd:chunked) layers as many as its diff IDs, into
// an overlay store that stages layers as directories and maps no IDs. A
// layer the store already has from another blob is left to the copy, as
// is everything above it. Whatever fails here is left to the copy too.
// It returns the layers it created, for the caller to drop if the copy
// fails, and whether it noted in j what the copy creates (it does once it
// has read the image's configuration).
func fetchLayers(ctx context.Context, store cstorage.Store, sys *types.SystemContext, policy *signature.PolicyContext, src types.ImageReference, j *storage.Journal, report io.Writer) (created []string, noted bool) {
	if src.Transport().Name() != "docker" || len(store.UIDMap()) > 0 || len(store.GIDMap()) > 0 {
		return nil, false
	}
	if driver, err := store.GraphDriver(); err != nil || driver.String() != "overlay" {
		return nil, false
	}
	raw, err := src.NewImageSource(ctx, sys)
	if err != nil {
		return nil, false // the copy reports it
	}
	defer raw.Close()
	plan, err := planFetch(ctx, store, sys, policy, raw, j)
	if err != nil || len(plan.layers) == 0 {
		if err != nil {
			logrus.Debugf("fetch layers of %s: %v; leaving them to the copy", storage.RefName(src), err)
		}
		return nil, plan.noted
	}
	bars := newLayerBars(report)
	created, err = plan.fetch(ctx, store, raw, blobinfocache.DefaultCache(sys), j, bars)
	bars.wait()
	if err != nil {
		// The copy downloads what is missing itself, and reports what
		// fails again: a stream only the extraction takes (one written
		// through a symlink) still pulls.
		logrus.Debugf("fetch layers of %s: %v; leaving them to the copy", storage.RefName(src), err)
		return nil, true
	}
	logrus.Debugf("fetched %d layers of %s in one pass each", len(plan.layers), storage.RefName(src))
	return created, true
}

// fetchPlan is the layers to fetch, bottom up, the first on parent.
type fetchPlan struct {
	parent string
	layers []fetchLayer
	noted  bool // the journal has the image's layers and ID
}

type fetchLayer struct {
	blob   types.BlobInfo
	diffID digest.Digest
}

// planFetch reads the image's manifest and configuration and finds the
// layers the store lacks; an image it cannot name layers of exactly as the
// copy would gives an error (the copy then does all).
func planFetch(ctx context.Context, store cstorage.Store, sys *types.SystemContext, policy *signature.PolicyContext, raw types.ImageSource, j *storage.Journal) (fetchPlan, error) {
	unparsed := image.UnparsedInstance(raw, nil)
	blob, mime, err := unparsed.Manifest(ctx)
	if err != nil {
		return fetchPlan{}, err
	}
	if manifest.MIMETypeIsMultiImage(mime) {
		list, err := manifest.ListFromBlob(blob, mime)
		if err != nil {
			return fetchPlan{}, err
		}
		instance, err := list.ChooseInstance(sys)
		if err != nil {
			return fetchPlan{}, err
		}
		unparsed = image.UnparsedInstance(raw, &instance)
		if _, mime, err = unparsed.Manifest(ctx); err != nil {
			return fetchPlan{}, err
		}
	}
	if err := schema2OrOCI(mime); err != nil {
		return fetchPlan{}, err
	}
	// Nothing is written for an image the copy will refuse.
	if err := allowed(ctx, policy, unparsed); err != nil {
		return fetchPlan{}, err
	}
	img, err := image.FromUnparsedImage(ctx, sys, unparsed)
	if err != nil {
		return fetchPlan{}, err
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return fetchPlan{}, err
	}
	j.Copy(cfg.RootFS.DiffIDs, img.ConfigInfo().Digest)
	plan := fetchPlan{noted: true}
	infos := img.LayerInfos()
	if len(infos) != len(cfg.RootFS.DiffIDs) {
		return plan, fmt.Errorf("%d layers for %d diff IDs", len(infos), len(cfg.RootFS.DiffIDs))
	}
	for i, info := range infos {
		diffID := cfg.RootFS.DiffIDs[i]
		if err := diffID.Validate(); err != nil {
			return fetchPlan{noted: true}, err
		}
		if tocDigest, err := toc.GetTOCDigest(info.Annotations); tocDigest != nil || err != nil || strings.Contains(info.MediaType, "+encrypted") || info.Digest.Validate() != nil {
			break
		}
		id := storage.LayerID(plan.parent, diffID)
		if len(plan.layers) == 0 {
			if _, err := store.Layer(id); err == nil {
				plan.parent = id
				continue
			}
		}
		if layers, err := store.LayersByCompressedDigest(info.Digest); err == nil && len(layers) > 0 {
			break
		}
		plan.layers = append(plan.layers, fetchLayer{blob: info, diffID: diffID})
	}
	return plan, nil
}

// schema2OrOCI refuses every manifest type but a single image's schema 2
// or OCI manifest: the ones fetch and send name layers of exactly as the
// copy does.
func schema2OrOCI(mime string) error {
	if mime != manifest.DockerV2Schema2MediaType && mime != "application/vnd.oci.image.manifest.v1+json" {
		return fmt.Errorf("manifest type %s", mime)
	}
	return nil
}

// allowed checks image against the signature policy as the copy will, so
// that nothing is written or uploaded for an image the copy refuses.
func allowed(ctx context.Context, policy *signature.PolicyContext, image types.UnparsedImage) error {
	if ok, err := policy.IsRunningImageAllowed(ctx, image); !ok || err != nil {
		return fmt.Errorf("not allowed by the signature policy: %v", err)
	}
	return nil
}

// fetch stages the plan's layers, several at once, and creates them in
// order; on failure nothing it wrote stays.
func (p fetchPlan) fetch(ctx context.Context, store cstorage.Store, raw types.ImageSource, cache types.BlobInfoCache, j *storage.Journal, bars layerBars) (created []string, err error) {
	staged := make([]*stage.Layer, len(p.layers))
	defer func() {
		for _, s := range staged {
			if s != nil {
				_ = s.Discard()
			}
		}
		if err != nil {
			dropLayers(store, created)
			created = nil
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchAtOnce)
	for i, l := range p.layers {
		g.Go(func() error {
			s, err := fetchOne(gctx, store, raw, cache, l, bars)
			staged[i] = s
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	parent := p.parent
	for i, l := range p.layers {
		id := storage.LayerID(parent, l.diffID)
		if err := j.Layer(id); err != nil {
			return created, err
		}
		s := staged[i]
		staged[i] = nil // Create takes it
		layer, isNew, err := s.Create(id, parent)
		if err != nil {
			return created, err
		}
		if isNew {
			created = append(created, layer.ID)
		}
		parent = layer.ID
	}
	return created, nil
}

// fetchOne downloads, checks and stages one layer.
func fetchOne(ctx context.Context, store cstorage.Store, raw types.ImageSource, cache types.BlobInfoCache, l fetchLayer, bars layerBars) (*stage.Layer, error) {
	bar := bars.add(l.blob)
	var blob *checkedBlob
	s, err := stage.Write(store, func() (io.ReadCloser, error) {
		body, _, err := raw.GetBlob(ctx, l.blob, cache)
		if err != nil {
			return nil, err
		}
		blob = newCheckedBlob(bar.reading(body))
		return blob.decompressed()
	}, stage.Options{Foreign: true})
	bar.end(err == nil)
	if err != nil {
		return nil, fmt.Errorf("fetch layer %s: %w", l.blob.Digest, err)
	}
	if err := blob.check(l.blob); err != nil {
		_ = s.Discard()
		return nil, err
	}
	if s.DiffID() != l.diffID {
		_ = s.Discard()
		return nil, fmt.Errorf("layer %s: its contents hash to %s, not to the configuration's diff ID %s", l.blob.Digest, s.DiffID(), l.diffID)
	}
	s.SetCompressedDigest(l.blob.Digest)
	return s, nil
}

// checkedBlob hashes and counts a downloaded blob as it is read.
type checkedBlob struct {
	body     io.ReadCloser
	raw      io.Reader // body through the digester and counter
	digester digest.Digester
	size     int64
}

func newCheckedBlob(body io.ReadCloser) *checkedBlob {
	b := &checkedBlob{body: body, digester: digest.Canonical.Digester()}
	b.raw = io.TeeReader(body, writerFunc(func(p []byte) (int, error) {
		b.size += int64(len(p))
		return b.digester.Hash().Write(p)
	}))
	return b
}

// decompressed is the blob's uncompressed stream. At its end the rest of
// the blob (what follows the compressed stream) is read too, so the
// digest covers all of it. The decompressors are read here, not
// containers/storage's DecompressStream: that hands gzip and zstd to a
// pigz or zstd process when one is installed, whose feeding goroutine
// would read the blob beside this.
func (b *checkedBlob) decompressed() (io.ReadCloser, error) {
	buffered := bufio.NewReaderSize(b.raw, 64<<10)
	magic, err := buffered.Peek(10)
	if err != nil && err != io.EOF {
		b.body.Close()
		return nil, err
	}
	var d io.ReadCloser
	switch c := archive.DetectCompression(magic); c {
	case archive.Gzip:
		d, err = pgzip.NewReader(buffered)
	case archive.Zstd:
		var z *zstd.Decoder
		if z, err = zstd.NewReader(buffered); err == nil {
			d = z.IOReadCloser()
		}
	case archive.Uncompressed:
		d = io.NopCloser(buffered)
	default:
		err = fmt.Errorf("%s compression", c.Extension())
	}
	if err != nil {
		b.body.Close()
		return nil, err
	}
	return readCloser{
		Reader: &eofHook{r: d, atEOF: func() error {
			_, err := io.Copy(io.Discard, buffered)
			return err
		}},
		close: func() error { return errors.Join(d.Close(), b.body.Close()) },
	}, nil
}

// check compares what was read with what the manifest says.
func (b *checkedBlob) check(want types.BlobInfo) error {
	if got := b.digester.Digest(); got != want.Digest {
		return fmt.Errorf("layer %s: the registry sent a blob whose digest is %s", want.Digest, got)
	}
	if want.Size >= 0 && b.size != want.Size {
		return fmt.Errorf("layer %s: the registry sent %d bytes, the manifest says %d", want.Digest, b.size, want.Size)
	}
	return nil
}

// eofHook runs atEOF once when r ends.
type eofHook struct {
	r     io.Reader
	atEOF func() error
}

func (h *eofHook) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if err == io.EOF && h.atEOF != nil {
		hook := h.atEOF
		h.atEOF = nil
		if hookErr := hook(); hookErr != nil {
			return n, hookErr
		}
	}
	return n, err
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// dropLayers deletes layers a failed pull created, the top one first; one
// something else took up meanwhile (an image, a container, a layer on it)
// stays.
func dropLayers(store cstorage.Store, ids []string) {
	for _, id := range slices.Backward(ids) {
		if err := store.DeleteLayer(id); err != nil {
			logrus.Debugf("drop layer %s of a failed pull: %v", id, err)
		}
	}
}
