package container

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hodbuild/hod/container/state"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// inherit copies the configuration and history of a local image into st,
// reading it through containers/image so images written by buildah, podman
// or a pull (docker or OCI format) all look the same. It returns the
// image's manifest annotations (an OCI manifest's; nil for Docker's).
func inherit(ctx context.Context, st *state.State, store cstorage.Store, sys *types.SystemContext, imageID string) (map[string]string, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, imageID)
	if err != nil {
		return nil, err
	}
	img, err := ref.NewImage(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", imageID, err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read configuration of image %s: %w", imageID, err)
	}
	raw, mime, err := img.Manifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("read manifest of image %s: %w", imageID, err)
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return nil, err
	}
	st.FromDigest = d.String()
	st.History, cfg.History = cfg.History, nil
	st.Config = *cfg
	if mime == manifest.DockerV2Schema2MediaType {
		return nil, inheritDocker(ctx, st, img)
	}
	var m ispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("read manifest of image %s: %w", imageID, err)
	}
	return m.Annotations, nil
}

func inheritDocker(ctx context.Context, st *state.State, img types.Image) error {
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return err
	}
	var d state.DockerImage
	if err := json.Unmarshal(blob, &d); err != nil {
		return fmt.Errorf("parse docker configuration: %w", err)
	}
	st.Docker.Comment = d.Comment
	if c := d.Config; c != nil {
		st.Docker.Healthcheck, st.Docker.OnBuild, st.Docker.Shell = c.Healthcheck, c.OnBuild, c.Shell
		st.Docker.Hostname, st.Docker.Domainname = c.Hostname, c.Domainname
	}
	return nil
}

func ispecPlatform(os, arch string) ispec.Platform {
	return ispec.Platform{OS: os, Architecture: arch}
}
