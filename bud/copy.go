package bud

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hodbuild/hod/container"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"
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
// "hod add"), then a layer. Host sources are confined to the context.
func (s *stage) copy(cmd instructions.Command, sd instructions.SourcesAndDest, spec copySpec) error {
	opts := container.CopyOptions{Chown: spec.chown, Chmod: spec.chmod, Extract: spec.add, Checksum: digest.Digest(spec.checksum)}
	sources, content, cleanup, err := s.sources(sd, spec, &opts)
	defer cleanup()
	if err != nil {
		return err
	}
	verb := strings.ToUpper(cmd.Name())
	parts := []string{source(cmd), "content=" + content, "chown=" + spec.chown, "chmod=" + spec.chmod}
	if hit, err := s.cached(parts...); hit || err != nil {
		return err
	}
	createdBy := "/bin/sh -c #(nop) " + verb + " " + strings.Join(append(append([]string{}, sd.SourcePaths...), sd.DestPath), " ")
	if err := s.apply(container.CreatedBy(createdBy)); err != nil {
		return err
	}
	if err := s.copyInto(sources, sd.DestPath, spec.parents, opts); err != nil {
		return err
	}
	_, err = s.layer(parts...)
	return err
}

// copyInto is one container.Copy, or with --parents one per source, each
// into DEST plus the source's directory relative to the context.
func (s *stage) copyInto(sources []string, dest string, parents bool, opts container.CopyOptions) error {
	if !parents || opts.FromRoot != "" {
		return s.c.Copy(s.b.ctx, sources, dest, opts)
	}
	for _, src := range sources {
		matches, err := filepath.Glob(src)
		if err != nil || len(matches) == 0 {
			matches = []string{src}
		}
		for _, m := range matches {
			rel, err := filepath.Rel(s.b.opts.ContextDir, filepath.Dir(m))
			if err != nil || strings.HasPrefix(rel, "..") {
				return fmt.Errorf("COPY --parents %s: not in the context", m)
			}
			if err := s.c.Copy(s.b.ctx, []string{m}, path.Join(dest, filepath.ToSlash(rel))+"/", opts); err != nil {
				return err
			}
		}
	}
	return nil
}

// sources resolves COPY/ADD sources and returns what identifies their
// content for the cache key.
func (s *stage) sources(sd instructions.SourcesAndDest, spec copySpec, opts *container.CopyOptions) ([]string, string, func(), error) {
	cleanup := func() {}
	if spec.from != "" {
		root, release, err := s.sourceRoot(spec.from)
		if err != nil {
			return nil, "", cleanup, err
		}
		opts.FromRoot = root
		key := spec.from
		if i, ok := s.b.stageRef(spec.from, s.index); ok {
			key = s.b.stages[i].chain
		}
		return sd.SourcePaths, key, release, nil
	}
	ignore := append(append([]string{}, s.b.ignore...), spec.exclude...)
	opts.ContextDir, opts.Ignore = s.b.opts.ContextDir, ignore
	var sources []string
	for _, src := range sd.SourcePaths {
		if spec.add && (strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")) {
			sources = append(sources, src)
			continue
		}
		p, err := securejoin.SecureJoin(s.b.opts.ContextDir, src)
		if err != nil {
			return nil, "", cleanup, err
		}
		sources = append(sources, p)
	}
	if len(sd.SourceContents) > 0 {
		dir, err := os.MkdirTemp("", "hod-heredoc-")
		if err != nil {
			return nil, "", cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		for _, sc := range sd.SourceContents {
			p := filepath.Join(dir, filepath.Base(sc.Path))
			if err := os.WriteFile(p, []byte(sc.Data), 0o644); err != nil {
				return nil, "", cleanup, err
			}
			sources = append(sources, p)
		}
		opts.ContextDir = dir
	}
	return sources, contentDigest(s.b.opts.ContextDir, sources, ignore), cleanup, nil
}
