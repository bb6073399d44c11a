package bud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/manifest"
	cstorage "go.podman.io/storage"
)

// BasePlatforms lists the platforms that all of the build's base images
// (FROM images that are neither stages nor scratch) exist for, as
// "OS/ARCH[/VARIANT]": what --all-platforms builds.
func BasePlatforms(ctx context.Context, store cstorage.Store, opts Options) ([]string, error) {
	if slices.Contains(opts.Dockerfiles, "-") {
		return nil, errors.New("--all-platforms cannot read the Containerfile from stdin")
	}
	b, err := load(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	defer b.cleanup()
	var common []string
	bases := 0
	for _, s := range b.stages {
		base := s.baseName()
		if nc, ok := opts.Contexts[strings.ToLower(base)]; ok {
			base = nc.Image
		}
		if _, ok := b.stageRef(base, s.index); ok || base == "" || base == "scratch" {
			continue
		}
		platforms, err := manifest.Platforms(ctx, store, opts.Sys, base)
		if err != nil {
			return nil, fmt.Errorf("--all-platforms: %w", err)
		}
		if bases++; bases == 1 {
			common = platforms
			continue
		}
		common = slices.DeleteFunc(common, func(p string) bool { return !slices.Contains(platforms, p) })
	}
	switch {
	case bases == 0:
		return nil, errors.New("--all-platforms: the build uses no base image other than scratch")
	case len(common) == 0:
		return nil, errors.New("--all-platforms: the base images have no platform in common")
	}
	return common, nil
}

// PlatformBuild is one build of a multi-platform bud: its platform ("" is
// this machine's) and its options.
type PlatformBuild struct {
	Platform string
	Options  Options
}

// Platforms lists the builds of opts for the platforms of list, or, with
// all, for every platform the base images exist for (BasePlatforms). Every
// platform is checked before anything is built. When there are several,
// each build's output lines start with its platform, as buildah's do.
func Platforms(ctx context.Context, store cstorage.Store, opts Options, list []string, all bool) ([]PlatformBuild, error) {
	if all {
		var err error
		if list, err = BasePlatforms(ctx, store, opts); err != nil {
			return nil, err
		}
	}
	builds := make([]PlatformBuild, 0, len(list))
	for _, p := range list {
		if _, err := storage.ParsePlatform(p); p != "" && err != nil {
			return nil, fmt.Errorf("parse --platform: %w", err)
		}
		o := opts
		o.Platform = p
		if len(list) > 1 {
			o.LogPrefix = "[" + p + "] " // buildah's
		}
		builds = append(builds, PlatformBuild{Platform: p, Options: o})
	}
	return builds, nil
}
