package commit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hodbuild/hod/container/state"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/manifest"
	cstorage "go.podman.io/storage"
)

// written is an image Commit wrote (or found already written) locally.
type written struct {
	id      string
	created bool // false when an identical image already existed
	rootFS  ispec.RootFS
	history []ispec.History
}

// j notes the layer and image before they are created: if hod is killed
// before the commit is done, the next hod removes them (lease.Reap with storage.ReapWrites).
func write(ctx context.Context, c *container.Container, j *storage.Journal, opts Options) (_ *written, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	store := c.Store()
	parent, err := topLayer(store, c.BaseImageID)
	if err != nil {
		return nil, err
	}
	layer, fresh, err := putLayer(c, parent, j, opts)
	if err != nil {
		return nil, err
	}
	failpoint.Hit("commit-after-layer")
	keepLayer := !fresh
	defer func() {
		if !keepLayer && layer != nil {
			_ = store.DeleteLayer(layer.ID)
		}
	}()
	top := parent
	if layer != nil {
		top = layer.ID
	}
	created := time.Now().UTC()
	if opts.Timestamp != nil {
		created = opts.Timestamp.UTC()
	}
	cfg := imageConfig(c.State, layer, created, opts)
	configBlob, manifestBlob, err := encode(store, c.State, cfg, top, opts.Format)
	if err != nil {
		return nil, err
	}
	img := &written{id: digest.FromBytes(configBlob).Encoded(), created: true, rootFS: cfg.RootFS, history: cfg.History}
	if err := j.Image(img.id); err != nil {
		return nil, err
	}
	err = createImage(store, img.id, top, created, configBlob, manifestBlob)
	if errors.Is(err, cstorage.ErrDuplicateID) {
		logrus.Debugf("image %s exists already, reusing it", img.id)
		img.created = false
		return img, nil // a new layer of ours is deleted: the image has its own
	}
	keepLayer = keepLayer || err == nil
	failpoint.Hit("commit-after-image")
	return img, err
}

func topLayer(store cstorage.Store, imageID string) (string, error) {
	if imageID == "" {
		return "", nil
	}
	img, err := store.Image(imageID)
	if err != nil {
		return "", fmt.Errorf("open base image %s: %w", imageID, err)
	}
	return img.TopLayer, nil
}

func imageConfig(st state.State, layer *cstorage.Layer, created time.Time, opts Options) ispec.Image {
	cfg := st.Config
	cfg.Created = &created
	cfg.Config.Env = slices.DeleteFunc(slices.Clone(cfg.Config.Env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(opts.UnsetEnv, k)
	})
	diffIDs := slices.Clone(cfg.RootFS.DiffIDs)
	if opts.Squash {
		diffIDs = nil
	}
	if layer != nil {
		diffIDs = append(diffIDs, layer.UncompressedDigest)
	}
	cfg.RootFS = ispec.RootFS{Type: "layers", DiffIDs: diffIDs}
	cfg.History = history(st, created, layer == nil, opts)
	return cfg
}

// history is the base's history, the configuration changes since, and an
// entry for the new layer; without a layer, an empty-layer entry only if
// something describes it (a RUN that changed nothing).
func history(st state.State, created time.Time, noLayer bool, opts Options) []ispec.History {
	if opts.OmitHistory {
		return nil
	}
	entry := ispec.History{Created: &created, CreatedBy: layerCreatedBy(st), Comment: st.HistoryComment, Author: st.Config.Author, EmptyLayer: noLayer}
	if opts.Squash {
		return []ispec.History{entry}
	}
	h := slices.Clone(st.History)
	for _, p := range st.Pending {
		if opts.Timestamp != nil {
			p.Created = &created
		}
		h = append(h, p)
	}
	if noLayer && st.CreatedBy == "" && entry.Comment == "" {
		return h
	}
	return append(h, entry)
}

// layerCreatedBy describes the committed layer as buildah does when
// nothing (config --created-by, a build step) did: the shell, or /bin/sh.
func layerCreatedBy(st state.State) string {
	if st.CreatedBy != "" {
		return st.CreatedBy
	}
	return cmp.Or(strings.Join(st.Docker.Shell, " "), "/bin/sh")
}

// createImage records the image in the store the way containers/image's
// storage destination does, so buildah, podman and skopeo read it as their own.
func createImage(store cstorage.Store, id, layerID string, created time.Time, configBlob, manifestBlob []byte) error {
	md, err := manifest.Digest(manifestBlob)
	if err != nil {
		return err
	}
	cd := digest.FromBytes(configBlob)
	_, err = store.CreateImage(id, nil, layerID, "", &cstorage.ImageOptions{
		CreationDate: created,
		Digest:       md,
		BigData: []cstorage.ImageBigDataOption{
			{Key: cd.String(), Data: configBlob, Digest: cd},
			{Key: cstorage.ImageDigestManifestBigDataNamePrefix + "-" + md.String(), Data: manifestBlob, Digest: md},
			{Key: cstorage.ImageDigestBigDataKey, Data: manifestBlob, Digest: md},
		},
	})
	if err != nil && !errors.Is(err, cstorage.ErrDuplicateID) {
		return fmt.Errorf("write image %s: %w", id, err)
	}
	if err == nil {
		// containers/image's words for it, which buildah logs too.
		logrus.Debugf("created new image ID %q", id)
	}
	return err
}

// layerChain lists the layers from the base up to top, as manifest
// descriptors of their uncompressed form: how containers/storage keeps them.
func layerChain(store cstorage.Store, top, mediaType string) ([]ispec.Descriptor, error) {
	layers, err := storage.LayerChain(store, top)
	if err != nil {
		return nil, err
	}
	chain := make([]ispec.Descriptor, 0, len(layers))
	for _, l := range layers {
		if l.UncompressedDigest == "" {
			return nil, fmt.Errorf("layer %s has no known digest", l.ID)
		}
		chain = append(chain, ispec.Descriptor{MediaType: mediaType, Digest: l.UncompressedDigest, Size: l.UncompressedSize})
	}
	return chain, nil
}

func encode(store cstorage.Store, st state.State, cfg ispec.Image, top string, format Format) (configBlob, manifestBlob []byte, err error) {
	switch format {
	case "", FormatOCI:
		warnDockerOnly(st)
		return encodeOCI(store, st, cfg, top)
	case FormatDocker:
		return encodeDocker(store, st, cfg, top)
	}
	return nil, nil, fmt.Errorf("unknown format %q: want oci or docker", format)
}

func encodeOCI(store cstorage.Store, st state.State, cfg ispec.Image, top string) ([]byte, []byte, error) {
	configBlob, err := json.Marshal(cfg)
	if err != nil {
		return nil, nil, err
	}
	layers, err := layerChain(store, top, ispec.MediaTypeImageLayer)
	if err != nil {
		return nil, nil, err
	}
	m := ispec.Manifest{
		MediaType:   ispec.MediaTypeImageManifest,
		Config:      ispec.Descriptor{MediaType: ispec.MediaTypeImageConfig, Digest: digest.FromBytes(configBlob), Size: int64(len(configBlob))},
		Layers:      layers,
		Annotations: st.Annotations, // the base-image ones among them (see container.From)
	}
	m.SchemaVersion = 2
	manifestBlob, err := json.Marshal(m)
	return configBlob, manifestBlob, err
}

func warnDockerOnly(st state.State) {
	d := st.Docker
	// buildah's words, value by value.
	const use = "will be ignored. Must use `docker` format"
	if d.Healthcheck != nil {
		logrus.Warnf("HEALTHCHECK is not supported for OCI image format and %s", use)
	}
	if len(d.OnBuild) > 0 {
		logrus.Warnf("ONBUILD is not supported for OCI image format, %s %s", strings.Join(d.OnBuild, " "), use)
	}
	if len(d.Shell) > 0 {
		logrus.Warnf("SHELL is not supported for OCI image format, %v %s", d.Shell, use)
	}
	if d.Hostname != "" {
		logrus.Warnf("HOSTNAME is not supported for OCI V1 image format, hostname %s %s", d.Hostname, use)
	}
	if d.Domainname != "" {
		logrus.Warnf("DOMAINNAME is not supported for OCI image format, domainname %s %s", d.Domainname, use)
	}
	if d.Comment != "" {
		logrus.Warnf("COMMENT is not supported for OCI image format, comment %s %s", d.Comment, use)
	}
}
