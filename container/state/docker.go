package state

import (
	"time"

	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/pkg/strslice"
)

// The Docker schema 2 image configuration, field for field and tag for tag
// as containers/image's manifest package (Schema2Image …) declares it, so
// both encode alike (TestDockerTypesMatch). hod declares its own because
// that package costs every short call 0.6 ms of initialisation, and the
// configuration is all "inspect" and "config" need of it.
type (
	// DockerImage is an image's configuration in Docker's format.
	DockerImage struct {
		DockerV1Image
		Parent     digest.Digest   `json:"parent,omitempty"`
		RootFS     *DockerRootFS   `json:"rootfs,omitempty"`
		History    []DockerHistory `json:"history,omitempty"`
		OSVersion  string          `json:"os.version,omitempty"`
		OSFeatures []string        `json:"os.features,omitempty"`
	}
	// DockerV1Image is the part DockerImage shares with schema 1.
	DockerV1Image struct {
		ID              string        `json:"id,omitempty"`
		Parent          string        `json:"parent,omitempty"`
		Comment         string        `json:"comment,omitempty"`
		Created         time.Time     `json:"created"`
		Container       string        `json:"container,omitempty"`
		ContainerConfig DockerConfig  `json:"container_config"`
		DockerVersion   string        `json:"docker_version,omitempty"`
		Author          string        `json:"author,omitempty"`
		Config          *DockerConfig `json:"config,omitempty"`
		Architecture    string        `json:"architecture,omitempty"`
		Variant         string        `json:"variant,omitempty"`
		OS              string        `json:"os,omitempty"`
		Size            int64         `json:",omitempty"`
	}
	// DockerConfig is the run configuration of a Docker image.
	DockerConfig struct {
		Hostname        string
		Domainname      string
		User            string
		AttachStdin     bool
		AttachStdout    bool
		AttachStderr    bool
		ExposedPorts    DockerPortSet `json:",omitempty"`
		Tty             bool
		OpenStdin       bool
		StdinOnce       bool
		Env             []string
		Cmd             strslice.StrSlice
		Healthcheck     *HealthConfig `json:",omitempty"`
		ArgsEscaped     bool          `json:",omitempty"`
		Image           string
		Volumes         map[string]struct{}
		WorkingDir      string
		Entrypoint      strslice.StrSlice
		NetworkDisabled bool   `json:",omitempty"`
		MacAddress      string `json:",omitempty"`
		OnBuild         []string
		Labels          map[string]string
		StopSignal      string            `json:",omitempty"`
		StopTimeout     *int              `json:",omitempty"`
		Shell           strslice.StrSlice `json:",omitempty"`
	}
	// HealthConfig is a HEALTHCHECK. Durations are nanoseconds; zero inherits.
	HealthConfig struct {
		Test          []string      `json:",omitempty"`
		StartPeriod   time.Duration `json:",omitempty"`
		StartInterval time.Duration `json:",omitempty"`
		Interval      time.Duration `json:",omitempty"`
		Timeout       time.Duration `json:",omitempty"`
		Retries       int           `json:",omitempty"`
	}
	// DockerPortSet is a set of exposed ports ("80/tcp").
	DockerPortSet map[DockerPort]struct{}
	// DockerPort is one exposed port.
	DockerPort string
	// DockerRootFS lists the layers' diff IDs.
	DockerRootFS struct {
		Type    string          `json:"type"`
		DiffIDs []digest.Digest `json:"diff_ids,omitempty"`
	}
	// DockerHistory is one history entry.
	DockerHistory struct {
		Created    time.Time `json:"created"`
		Author     string    `json:"author,omitempty"`
		CreatedBy  string    `json:"created_by,omitempty"`
		Comment    string    `json:"comment,omitempty"`
		EmptyLayer bool      `json:"empty_layer,omitempty"`
	}
)

// DockerImage is the Docker schema 2 configuration of a state whose OCI
// configuration is cfg (the state's, completed for a commit).
func (st *State) DockerImage(cfg ispec.Image) DockerImage {
	c := cfg.Config
	ports := DockerPortSet{}
	for p := range c.ExposedPorts {
		ports[DockerPort(p)] = struct{}{}
	}
	dc := &DockerConfig{
		Hostname: st.Docker.Hostname, Domainname: st.Docker.Domainname,
		User: c.User, ExposedPorts: ports, Env: c.Env, Cmd: c.Cmd, Healthcheck: st.Docker.Healthcheck,
		Volumes: c.Volumes, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint, OnBuild: st.Docker.OnBuild,
		Labels: c.Labels, StopSignal: c.StopSignal, Shell: st.Docker.Shell,
	}
	history := make([]DockerHistory, len(cfg.History))
	for i, h := range cfg.History {
		history[i] = DockerHistory{CreatedBy: h.CreatedBy, Comment: h.Comment, Author: h.Author, EmptyLayer: h.EmptyLayer}
		if h.Created != nil {
			history[i].Created = *h.Created
		}
	}
	img := DockerImage{
		DockerV1Image: DockerV1Image{
			// container_config is the config, as buildah writes it.
			Author: cfg.Author, Comment: st.Docker.Comment, Config: dc, ContainerConfig: *dc,
			Architecture: cfg.Architecture, Variant: cfg.Variant, OS: cfg.OS,
		},
		RootFS:     &DockerRootFS{Type: cfg.RootFS.Type, DiffIDs: cfg.RootFS.DiffIDs},
		History:    history,
		OSVersion:  cfg.OSVersion,
		OSFeatures: cfg.OSFeatures,
	}
	if cfg.Created != nil {
		img.Created = *cfg.Created
	}
	return img
}
