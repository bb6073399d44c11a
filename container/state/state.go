package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage/pkg/ioutils"
)

const (
	// Version is bumped only on an incompatible change of State, so an
	// older hod refuses a container it would misread instead of corrupting it.
	Version = 1
	// Kind marks containers hod owns; buildah's and podman's are never
	// opened as working containers.
	Kind = "hod"
	// File is the state's file in the storage container's directory, where
	// containers/storage keeps a container's big data: earlier hods wrote
	// it as big data "hod.json", and read that way it is the same file.
	File = "hod.json"
)

// Marker is the containers/storage metadata of every hod container.
var Marker = fmt.Sprintf(`{"kind":%q,"version":%d}`, Kind, Version)

// ErrNotFound is returned (wrapped) for an unknown container name or ID.
var ErrNotFound = errors.New("container not known")

// ErrNotOurs is returned (wrapped) for a container another tool
// (buildah, podman) owns.
var ErrNotOurs = errors.New("container was not created by hod")

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
	Healthcheck *HealthConfig `json:"healthcheck,omitempty"`
	OnBuild     []string      `json:"onBuild,omitempty"`
	Shell       []string      `json:"shell,omitempty"`
	Hostname    string        `json:"hostname,omitempty"`
	Domainname  string        `json:"domainname,omitempty"`
	Comment     string        `json:"comment,omitempty"`
}

// Read reads the state in dir, a storage container's directory.
func Read(dir string) (State, error) {
	data, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return State{}, ErrNotOurs
	}
	return Decode(data)
}

// Write replaces the state in dir atomically (a synced temporary file,
// renamed), without rewriting containers/storage's containers.json.
func (st *State) Write(dir string) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	// containers/storage makes the directory with the first big data.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save state of %s: %w", st.Name, err)
	}
	if err := ioutils.AtomicWriteFileWithOpts(filepath.Join(dir, File), data, 0o600, &ioutils.AtomicFileWriterOptions{}); err != nil {
		return fmt.Errorf("save state of %s: %w", st.Name, err)
	}
	return nil
}

// Decode reads a state, refusing other tools' and other versions'.
func Decode(data []byte) (State, error) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return st, err
	}
	if st.Kind != Kind {
		return st, ErrNotOurs
	}
	if st.Version != Version {
		return st, fmt.Errorf("state version %d, this hod reads %d", st.Version, Version)
	}
	return st, nil
}
