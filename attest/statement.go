package attest

import (
	"encoding/json"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The media types and annotations of BuildKit's attestation layout.
const (
	InTotoMediaType         = "application/vnd.in-toto+json"
	PredicateTypeAnnotation = "in-toto.io/predicate-type"
	RefTypeAnnotation       = "vnd.docker.reference.type"
	RefDigestAnnotation     = "vnd.docker.reference.digest"
	AttestationRefType      = "attestation-manifest"
)

// Attestation is one predicate about an image, by its type.
type Attestation struct {
	PredicateType string
	Predicate     json.RawMessage
}

// Statement wraps a predicate in an in-toto v1 statement about the image
// name whose manifest digest is subject.
func Statement(a Attestation, name string, subject digest.Digest) ([]byte, error) {
	return json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []map[string]any{{"name": name, "digest": map[string]string{subject.Algorithm().String(): subject.Encoded()}}},
		"predicateType": a.PredicateType,
		"predicate":     a.Predicate,
	})
}

// Blob is a blob to upload with its descriptor.
type Blob struct {
	Desc ispec.Descriptor
	Data []byte
}

// Layout is what a push with attestations uploads besides the image: the
// attestation manifest's config and layers, the attestation manifest,
// and the index that the tag then names.
type Layout struct {
	Blobs       []Blob
	Attestation Blob // the attestation manifest
	Index       []byte
}

// NewLayout lays out attestations about the image whose manifest (of
// mediaType) is image, for platform, as BuildKit does: an index with the
// image and an attestation manifest (platform unknown/unknown) that refers
// to it.
func NewLayout(name string, image []byte, mediaType string, platform ispec.Platform, atts []Attestation) (*Layout, error) {
	imageDesc := ispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(image), Size: int64(len(image)), Platform: &platform}
	l, err := NewAttestationManifest(name, imageDesc, atts)
	if err != nil {
		return nil, err
	}
	index := ispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ispec.MediaTypeImageIndex,
		Manifests: []ispec.Descriptor{imageDesc, l.Attestation.Desc}}
	if l.Index, err = json.Marshal(index); err != nil {
		return nil, err
	}
	return l, nil
}

// NewAttestationManifest is the attestation manifest about the image image
// describes, and the blobs it needs; its Index is left empty for the
// caller's index (a manifest list's, with one per instance).
func NewAttestationManifest(name string, image ispec.Descriptor, atts []Attestation) (*Layout, error) {
	l := &Layout{}
	config := []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`)
	cfg := Blob{Desc: ispec.Descriptor{MediaType: ispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}, Data: config}
	l.Blobs = append(l.Blobs, cfg)
	m := ispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ispec.MediaTypeImageManifest, Config: cfg.Desc}
	for _, a := range atts {
		st, err := Statement(a, name, image.Digest)
		if err != nil {
			return nil, err
		}
		b := Blob{Desc: ispec.Descriptor{MediaType: InTotoMediaType, Digest: digest.FromBytes(st), Size: int64(len(st)),
			Annotations: map[string]string{PredicateTypeAnnotation: a.PredicateType}}, Data: st}
		l.Blobs = append(l.Blobs, b)
		m.Layers = append(m.Layers, b.Desc)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	l.Attestation = Blob{Desc: ispec.Descriptor{MediaType: ispec.MediaTypeImageManifest, Digest: digest.FromBytes(raw), Size: int64(len(raw)),
		Platform:    &ispec.Platform{Architecture: "unknown", OS: "unknown"},
		Annotations: map[string]string{RefTypeAnnotation: AttestationRefType, RefDigestAnnotation: image.Digest.String()}}, Data: raw}
	return l, nil
}

// The big data keys an image keeps its attestations under: the SPDX
// document and the provenance predicate.
const (
	SBOMKey       = "hod.sbom.spdx.json"
	ProvenanceKey = "hod.provenance.json"
)

// Keys maps each big data key to its predicate type.
var Keys = map[string]string{SBOMKey: SPDXPredicateType, ProvenanceKey: ProvenancePredicateType}
