package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/hodbuild/hod/container/state"
	"slices"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/run"
	"go.podman.io/image/v5/types"
)

// Container is the view of a working container: its configuration as the
// next commit would write it, and its base image's blobs.
func Container(ctx context.Context, c *container.Container, sys *types.SystemContext, isolation run.Isolation) (*Builder, error) {
	b := base(string(isolation), run.DefaultCapabilities())
	b.Container, b.ContainerID = c.Name, c.ID
	mnt, err := c.MountPoint()
	if err != nil {
		return nil, err
	}
	b.MountPoint = mnt
	if !c.IDMap.Empty() {
		b.IDMappingOptions.HostUIDMapping, b.IDMappingOptions.UIDMap = false, rawEach(c.IDMap.UIDs)
		b.IDMappingOptions.HostGIDMapping, b.IDMappingOptions.GIDMap = false, rawEach(c.IDMap.GIDs)
		b.NamespaceOptions = setNamespace(b.NamespaceOptions, Namespace{Name: "user", Path: c.IDMap.NSPath})
	}
	if c.FromImageID != "" {
		from, err := readImage(ctx, c.Store(), sys, c.FromImageID)
		if err != nil {
			return nil, err
		}
		b.FromImage, b.FromImageID, b.FromImageDigest = from.name, c.FromImageID, c.FromDigest
		b.Config, b.Manifest = string(from.config), string(from.manifest)
	}
	b.ImageAnnotations["org.opencontainers.image.base.digest"] = b.FromImageDigest
	b.ImageAnnotations["org.opencontainers.image.base.name"] = b.FromImage
	for k, v := range c.Annotations {
		b.ImageAnnotations[k] = v
	}
	cfg := c.Config
	if history := append(slices.Clone(c.History), c.Pending...); len(history) > 0 {
		cfg.History = history
	}
	if cfg.Created == nil {
		// As buildah: a container from scratch is created when it is.
		if sc, err := c.Store().Container(c.ID); err == nil {
			created := sc.Created.UTC()
			cfg.Created = &created
		}
	}
	b.OCIv1, b.History, b.ImageCreatedBy = cfg, cfg.History, c.CreatedBy
	b.Docker = c.State.DockerImage(cfg)
	if len(cfg.RootFS.DiffIDs) == 0 && cfg.RootFS.Type == "" {
		b.Docker.RootFS = nil
	}
	if b.Docker.Config != nil {
		b.Docker.ContainerConfig = *b.Docker.Config
	}
	return &b, nil
}

// rawEach is each mapping as buildah writes it:
// {"containerID":0,"hostID":100000,"size":65536}.
func rawEach(ms []state.IDMapEntry) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(ms))
	for _, m := range ms {
		raw := fmt.Sprintf(`{"containerID":%d,"hostID":%d,"size":%d}`, m.ContainerID, m.HostID, m.Size)
		out = append(out, json.RawMessage(raw))
	}
	return out
}

func setNamespace(ns []Namespace, n Namespace) []Namespace {
	for i := range ns {
		if ns[i].Name == n.Name {
			ns[i] = n
		}
	}
	return ns
}
