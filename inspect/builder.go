package inspect

import (
	"encoding/json"
	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/run/policy"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Builder is buildah's inspect document; fields hod has no use for keep
// buildah's values for a root, non-SELinux run.
type Builder struct {
	Type                  string
	FromImage             string
	FromImageID           string
	FromImageDigest       string
	Config                string
	Manifest              string
	Container             string
	ContainerID           string
	MountPoint            string
	ProcessLabel          string
	MountLabel            string
	ImageAnnotations      map[string]string
	ImageCreatedBy        string
	OCIv1                 ispec.Image
	Docker                state.DockerImage
	DefaultMountsFilePath string
	Isolation             string
	NamespaceOptions      []Namespace
	Capabilities          []string
	ConfigureNetwork      string
	CNIPluginPath         string
	CNIConfigDir          string
	IDMappingOptions      IDMappings
	History               []ispec.History
	Devices               []json.RawMessage
	// Attestations are an image's SBOM and provenance by predicate type
	// (hod's, from commit/bud --sbom/--provenance); absent without them.
	Attestations map[string]json.RawMessage `json:",omitempty"`
}

// Namespace is one of a run's namespaces: Host shares the host's.
type Namespace struct {
	Name string
	Host bool
	Path string
}

// IDMappings is buildah's ID mapping block; hod as root maps IDs 1:1.
type IDMappings struct {
	HostUIDMapping bool
	HostGIDMapping bool
	UIDMap         []json.RawMessage
	GIDMap         []json.RawMessage
	AutoUserNs     bool
	AutoUserNsOpts AutoUserNs
}

// AutoUserNs is buildah's (unused) automatic user namespace setting.
type AutoUserNs struct {
	Size                  int
	InitialSize           int
	PasswdFile            string
	GroupFile             string
	AdditionalUIDMappings []json.RawMessage
	AdditionalGIDMappings []json.RawMessage
}

// buildahType is the Type buildah 1.28 writes.
const buildahType = "buildah 0.0.1"

// Document is the run-related part every view shares, for runs isolated
// by isolation.
func Document(isolation policy.Isolation) Builder {
	ns := []Namespace{{Name: "cgroup", Host: true}, {Name: "ipc"}, {Name: "mount"}, {Name: "network"}, {Name: "pid"}, {Name: "user", Host: true}, {Name: "uts"}}
	return Builder{
		Type: buildahType, Isolation: string(isolation), NamespaceOptions: ns, Capabilities: policy.DefaultCapabilities(),
		ConfigureNetwork: "NetworkDefault", ImageAnnotations: map[string]string{}, Devices: []json.RawMessage{},
		IDMappingOptions: IDMappings{HostUIDMapping: true, HostGIDMapping: true, UIDMap: []json.RawMessage{}, GIDMap: []json.RawMessage{}},
	}
}
