package commit

import (
	"encoding/json"

	"github.com/hodbuild/hod/container"
	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	cstorage "go.podman.io/storage"
)

// encodeDocker writes the configuration in Docker's schema 2 format, which
// also carries the Docker-only settings (HEALTHCHECK, ONBUILD, SHELL, ...).
func encodeDocker(store cstorage.Store, st container.State, cfg ispec.Image, top string) ([]byte, []byte, error) {
	configBlob, err := json.Marshal(DockerConfig(st, cfg))
	if err != nil {
		return nil, nil, err
	}
	chain, err := layerChain(store, top, manifest.DockerV2SchemaLayerMediaTypeUncompressed)
	if err != nil {
		return nil, nil, err
	}
	layers := make([]manifest.Schema2Descriptor, len(chain))
	for i, l := range chain {
		layers[i] = manifest.Schema2Descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size}
	}
	m := manifest.Schema2FromComponents(manifest.Schema2Descriptor{
		MediaType: manifest.DockerV2Schema2ConfigMediaType,
		Digest:    digest.FromBytes(configBlob),
		Size:      int64(len(configBlob)),
	}, layers)
	manifestBlob, err := m.Serialize()
	return configBlob, manifestBlob, err
}

// DockerConfig is the Docker schema 2 configuration of a container's state
// with image configuration cfg, carrying the Docker-only settings.
func DockerConfig(st container.State, cfg ispec.Image) manifest.Schema2Image {
	c := cfg.Config
	ports := manifest.Schema2PortSet{}
	for p := range c.ExposedPorts {
		ports[manifest.Schema2Port(p)] = struct{}{}
	}
	dc := &manifest.Schema2Config{
		Hostname: st.Docker.Hostname, Domainname: st.Docker.Domainname,
		User: c.User, ExposedPorts: ports, Env: c.Env, Cmd: c.Cmd, Healthcheck: st.Docker.Healthcheck,
		Volumes: c.Volumes, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint, OnBuild: st.Docker.OnBuild,
		Labels: c.Labels, StopSignal: c.StopSignal, Shell: st.Docker.Shell,
	}
	var history []manifest.Schema2History
	for i, h := range cfg.History {
		history = append(history, manifest.Schema2History{})
		history[i] = manifest.Schema2History{CreatedBy: h.CreatedBy, Comment: h.Comment, Author: h.Author, EmptyLayer: h.EmptyLayer}
		if h.Created != nil {
			history[i].Created = *h.Created
		}
	}
	img := manifest.Schema2Image{
		Schema2V1Image: manifest.Schema2V1Image{
			Author: cfg.Author, Comment: st.Docker.Comment, Config: dc,
			Architecture: cfg.Architecture, Variant: cfg.Variant, OS: cfg.OS,
		},
		RootFS:  &manifest.Schema2RootFS{Type: cfg.RootFS.Type, DiffIDs: cfg.RootFS.DiffIDs},
		History: history,
	}
	if cfg.Created != nil {
		img.Created = *cfg.Created
	}
	return img
}
