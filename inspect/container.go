package inspect

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/run/policy"
)

// Facts are what the view of a working container shows besides its state:
// what the store knows of it and of its base image.
type Facts struct {
	// Created is when the storage container was made.
	Created time.Time
	// MountPoint is where its root filesystem is mounted, if it is.
	MountPoint string
	// Base is the image it came from; nil for scratch.
	Base      *Base
	Isolation policy.Isolation
	// CNIConfigDir and CNIPluginPath are what "from" was given (hod keeps
	// them for buildah's view; its runs use slirp4netns, not CNI).
	CNIConfigDir, CNIPluginPath string
}

// Base is the base image's name and blobs, as stored.
type Base struct {
	Name             string
	Config, Manifest []byte
}

// Container is the view of a working container: its configuration as the
// next commit would write it, and its base image's blobs.
func Container(st *state.State, f Facts) *Builder {
	b := Document(f.Isolation)
	b.CNIConfigDir, b.CNIPluginPath = f.CNIConfigDir, f.CNIPluginPath
	b.Container, b.ContainerID, b.MountPoint = st.Name, st.ID, f.MountPoint
	if !st.IDMap.Empty() {
		b.IDMappingOptions.HostUIDMapping, b.IDMappingOptions.UIDMap = false, rawEach(st.IDMap.UIDs)
		b.IDMappingOptions.HostGIDMapping, b.IDMappingOptions.GIDMap = false, rawEach(st.IDMap.GIDs)
		b.NamespaceOptions = setNamespace(b.NamespaceOptions, Namespace{Name: "user", Path: st.IDMap.NSPath})
	}
	if f.Base != nil {
		b.FromImage, b.FromImageID, b.FromImageDigest = f.Base.Name, st.FromImageID, st.FromDigest
		b.Config, b.Manifest = string(f.Base.Config), string(f.Base.Manifest)
	}
	for k, v := range st.Annotations {
		b.ImageAnnotations[k] = v
	}
	cfg := st.Config
	if history := append(slices.Clone(st.History), st.Pending...); len(history) > 0 {
		cfg.History = history
	}
	if cfg.Created == nil {
		// As buildah: a container from scratch is created when it is.
		created := f.Created.UTC()
		cfg.Created = &created
	}
	b.OCIv1, b.History, b.ImageCreatedBy = cfg, cfg.History, st.CreatedBy
	b.Docker = st.DockerImage(cfg)
	if len(cfg.RootFS.DiffIDs) == 0 && cfg.RootFS.Type == "" {
		b.Docker.RootFS = nil
	}
	if b.Docker.Config != nil {
		b.Docker.ContainerConfig = *b.Docker.Config
	}
	return &b
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
