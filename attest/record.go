package attest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hodbuild/hod/storage"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Request says what to record about an image.
type Request struct {
	// SBOM records the packages the image's package databases list.
	SBOM bool
	// Provenance, when set, is recorded as a SLSA provenance, completed
	// with the image's base (its annotations) and RUN commands (history).
	Provenance *Build
	// Tool names the builder in the SBOM ("hod-VERSION").
	Tool string
}

// Any says whether r asks for anything.
func (r Request) Any() bool { return r.SBOM || r.Provenance != nil }

// Record keeps the SBOM and provenance r asks for with the stored image
// id, as big data, made from the image's own files and configuration.
func Record(ctx context.Context, store cstorage.Store, sys *types.SystemContext, id, name string, r Request) error {
	if !r.Any() {
		return nil
	}
	cfg, raw, err := readLocal(ctx, store, sys, id)
	if err != nil {
		return err
	}
	if r.SBOM {
		root, release, err := storage.MountImage(store, id)
		if err != nil {
			return err
		}
		pkgs, err := Packages(root)
		release()
		if err != nil {
			return fmt.Errorf("sbom: %w", err)
		}
		created := time.Unix(0, 0).UTC()
		if cfg.Created != nil {
			created = *cfg.Created // the image's: the same image, the same document
		}
		doc, err := SPDX(name, created, r.Tool, pkgs)
		if err != nil {
			return err
		}
		if err := store.SetImageBigData(id, SBOMKey, doc, nil); err != nil {
			return err
		}
	}
	if r.Provenance != nil {
		b := *r.Provenance
		var m ispec.Manifest
		if json.Unmarshal(raw, &m) == nil && m.Annotations[ispec.AnnotationBaseImageDigest] != "" {
			b.Bases = append(b.Bases, Base{Name: m.Annotations[ispec.AnnotationBaseImageName], Digest: m.Annotations[ispec.AnnotationBaseImageDigest]})
		}
		b.Runs = RunCommands(cfg.History)
		doc, err := Provenance(b)
		if err != nil {
			return err
		}
		if err := store.SetImageBigData(id, ProvenanceKey, doc, nil); err != nil {
			return err
		}
	}
	return nil
}

// Stored are the attestations kept with image id, in a fixed order.
func Stored(store cstorage.Store, id string) []Attestation {
	var out []Attestation
	for _, key := range []string{SBOMKey, ProvenanceKey} {
		if data, err := store.ImageBigData(id, key); err == nil {
			out = append(out, Attestation{PredicateType: Keys[key], Predicate: data})
		}
	}
	return out
}

// readLocal reads a stored image's OCI configuration and manifest.
func readLocal(ctx context.Context, store cstorage.Store, sys *types.SystemContext, id string) (*ispec.Image, []byte, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return nil, nil, err
	}
	img, err := ref.NewImage(ctx, sys)
	if err != nil {
		return nil, nil, err
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	raw, _, err := img.Manifest(ctx)
	return cfg, raw, err
}

// Platform is the stored image id's platform.
func Platform(ctx context.Context, store cstorage.Store, sys *types.SystemContext, id string) (ispec.Platform, error) {
	cfg, _, err := readLocal(ctx, store, sys, id)
	if err != nil {
		return ispec.Platform{}, err
	}
	return cfg.Platform, nil
}
