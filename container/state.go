package container

import (
	"encoding/json"
	"fmt"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

const (
	// stateVersion is bumped only on an incompatible change of State, so an
	// older hod refuses a container it would misread instead of corrupting it.
	stateVersion = 1
	// kind marks containers hod owns; buildah's and podman's are never
	// opened as working containers.
	kind     = "hod"
	stateKey = "hod.json"
)

// marker is the containers/storage metadata of every hod container.
var marker = fmt.Sprintf(`{"kind":%q,"version":%d}`, kind, stateVersion)

// State is the persisted part of a working container.
type State struct {
	Version int    `json:"version"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	ID      string `json:"id"`
	// FromImage is what the user named in "from"; FromImageID and
	// FromDigest the image it resolved to.
	FromImage   string `json:"fromImage"`
	FromImageID string `json:"fromImageID,omitempty"`
	FromDigest  string `json:"fromDigest,omitempty"`
	// BaseImageID is the image the container's layer sits on now: FromImageID,
	// or the image of the last "commit --layer" checkpoint.
	BaseImageID string `json:"baseImageID,omitempty"`
	// Config is the one canonical image configuration; RootFS holds the base
	// image's diff IDs and History is kept apart in History and Pending.
	Config ispec.Image `json:"config"`
	Docker Docker      `json:"docker"`
	// Annotations go into the manifest (OCI format only).
	Annotations map[string]string `json:"annotations,omitempty"`
	// History is the base image's history; Pending the empty-layer entries
	// of configuration changes made since.
	History []ispec.History `json:"history,omitempty"`
	Pending []ispec.History `json:"pending,omitempty"`
	// CreatedBy and HistoryComment describe the next committed layer.
	// RunDefaults are run flags (--NAME=VALUE) given to "from": buildah
	// applies them to the container's later runs, before a run's own flags.
	RunDefaults    []string `json:"runDefaults,omitempty"`
	CreatedBy      string   `json:"createdBy,omitempty"`
	HistoryComment string   `json:"historyComment,omitempty"`
	// IDMap is the container's user namespace mapping.
	IDMap IDMap `json:"idmap,omitempty"`
	// MountKey names the container's stable mount path: its first storage
	// container's ID, kept when commit --layer moves it to another.
	MountKey string `json:"mountKey,omitempty"`
}

// Docker holds the configuration only the Docker image format can carry;
// commit writes it in docker format and drops it (with a warning) in OCI.
type Docker struct {
	Healthcheck *manifest.Schema2HealthConfig `json:"healthcheck,omitempty"`
	OnBuild     []string                      `json:"onBuild,omitempty"`
	Shell       []string                      `json:"shell,omitempty"`
	Hostname    string                        `json:"hostname,omitempty"`
	Domainname  string                        `json:"domainname,omitempty"`
	Comment     string                        `json:"comment,omitempty"`
}

func (c *Container) save() error {
	data, err := json.Marshal(c.State)
	if err != nil {
		return err
	}
	// SetContainerBigData writes atomically (temp file and rename).
	if err := c.store.SetContainerBigData(c.ID, stateKey, data); err != nil {
		return fmt.Errorf("save state of %s: %w", c.Name, err)
	}
	return nil
}

func decodeState(data []byte) (State, error) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return st, err
	}
	if st.Kind != kind {
		return st, ErrNotOurs
	}
	if st.Version != stateVersion {
		return st, fmt.Errorf("state version %d, this hod reads %d", st.Version, stateVersion)
	}
	return st, nil
}
