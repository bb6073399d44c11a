package bud

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/copier"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

type copySpec struct {
	from, chown, chmod, checksum string
	add                          bool
	// exclude holds COPY --exclude patterns, applied like .dockerignore's.
	exclude []string
	// parents keeps each source's directories below the context (COPY --parents).
	parents bool
}

// copy is COPY and ADD: container.Copy (the same call as "hod copy" and
// "hod add"), then a layer. Host sources are confined to the context. The
// cache key holds container.Digest of the sources: the digest of the very
// stream the copy writes.
func (s *stage) copy(cmd instructions.Command, sd instructions.SourcesAndDest, spec copySpec) error {
	checksum, err := copier.ParseChecksum(spec.checksum)
	if err != nil {
		return err
	}
	opts := copier.Options{Chown: spec.chown, Chmod: spec.chmod, Extract: spec.add, Checksum: checksum, Parents: spec.parents}
	sources, release, err := s.sources(sd, spec, &opts)
	defer release()
	if err != nil {
		return err
	}
	// The content's digest is the step's cache key, a second read of
	// every source: a build without a cache has no use for it.
	content := ""
	if s.b.cache.enabled {
		if content, err = copier.Digest(s.b.ctx, sources, opts); err != nil {
			return err
		}
	}
	verb := strings.ToUpper(cmd.Name())
	parts := []string{source(cmd), "content=" + content, "chown=" + spec.chown, "chmod=" + spec.chmod}
	if hit, err := s.cached(parts...); hit || err != nil {
		return err
	}
	createdBy := "/bin/sh -c #(nop) " + verb + " " + strings.Join(append(append([]string{}, sd.SourcePaths...), sd.DestPath), " ")
	if err := s.apply(state.CreatedBy(createdBy)); err != nil {
		return err
	}
	if _, err := copier.Copy(s.b.ctx, s.c, sources, sd.DestPath, opts); err != nil {
		return err
	}
	if err := s.ensureWorkDir(); err != nil {
		return err
	}
	_, err = s.layer(parts...)
	return err
}

// sources sets where COPY/ADD sources are read, confined: an earlier
// stage's image or another image (--from), heredocs written to a
// temporary directory, or the context with its ignore patterns.
func (s *stage) sources(sd instructions.SourcesAndDest, spec copySpec, opts *copier.Options) ([]string, func(), error) {
	if !spec.add && slices.ContainsFunc(sd.SourcePaths, func(p string) bool {
		return strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://")
	}) {
		return nil, func() {}, errors.New("source can't be a URL for COPY") // Docker's and buildah's words
	}
	if spec.from != "" {
		root, release, err := s.sourceRoot(spec.from)
		if err != nil {
			return nil, func() {}, err
		}
		opts.FromRoot = root
		return sd.SourcePaths, release, nil
	}
	if len(sd.SourceContents) > 0 {
		return heredocSources(sd, opts)
	}
	opts.ContextDir, opts.Confine = s.b.opts.ContextDir, true
	opts.Ignore, opts.IgnoreFile = append(append([]string{}, s.b.ignore...), spec.exclude...), s.b.ignoreFile
	return sd.SourcePaths, func() {}, nil
}

// heredocSources writes COPY <<EOF documents as files of a temporary
// directory, the sources' root.
func heredocSources(sd instructions.SourcesAndDest, opts *copier.Options) ([]string, func(), error) {
	if len(sd.SourcePaths) > 0 {
		return nil, func() {}, errors.New("heredocs and context files cannot be copied by one instruction")
	}
	dir, err := os.MkdirTemp("", "hod-heredoc-")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	var sources []string
	for _, sc := range sd.SourceContents {
		name := filepath.Base(sc.Path)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sc.Data), 0o644); err != nil {
			return nil, cleanup, err
		}
		sources = append(sources, name)
	}
	opts.ContextDir, opts.Confine = dir, true
	return sources, cleanup, nil
}
