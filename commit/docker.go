package commit

import (
	"encoding/json"

	"github.com/hodbuild/hod/container/state"

	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	cstorage "go.podman.io/storage"
)

// encodeDocker writes the configuration in Docker's schema 2 format, which
// also carries the Docker-only settings (HEALTHCHECK, ONBUILD, SHELL, ...).
func encodeDocker(store cstorage.Store, st state.State, cfg ispec.Image, top string) ([]byte, []byte, error) {
	img := st.DockerImage(cfg)
	// As buildah: the image the container was made from is the parent.
	if d := digest.NewDigestFromEncoded(digest.Canonical, st.FromImageID); st.FromImageID != "" && d.Validate() == nil {
		img.Parent = d
	}
	configBlob, err := json.Marshal(img)
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
