package bud

import (
	"cmp"
	"fmt"
	"runtime"
	"strings"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.podman.io/image/v5/types"
)

const goarch = runtime.GOARCH

// stage is one FROM section being built in its own working container.
type stage struct {
	b      *builder
	index  int
	parsed instructions.Stage
	c      *container.Container
	args   map[string]string // ARGs declared in this stage
	// chain is the cache key of the stage so far; pending the instructions
	// applied since its last layer, which the next key includes.
	chain   string
	pending []string
	imageID string // set when a later FROM builds on this stage
	// hit is a cached image the stage has reached without moving its
	// container onto it yet; replay holds the configuration changes (one
	// group per instruction) made since. A run of cache hits thus costs no
	// container work at all; materialize catches up when something runs.
	hit    string
	replay [][]container.Change
}

// dependencies are the earlier stages this one builds on or copies from.
func (s *stage) dependencies() []int {
	var deps []int
	add := func(name string) {
		if i, ok := s.b.stageRef(name, s.index); ok {
			deps = append(deps, i)
		}
	}
	add(s.baseName())
	for _, cmd := range s.parsed.Commands {
		switch c := cmd.(type) {
		case *instructions.CopyCommand:
			add(c.From)
		case *instructions.RunCommand:
			for _, m := range instructions.GetMounts(c) {
				add(m.From)
			}
		}
	}
	return deps
}

func (s *stage) baseName() string {
	name, err := expand(s.parsed.BaseName, s.b.metaArgs, nil)
	if err != nil {
		return s.parsed.BaseName
	}
	return name
}

func (b *builder) runStage(i int) error {
	s := b.stages[i]
	s.args = map[string]string{}
	b.stepf(s.parsed.SourceCode)
	if err := s.from(); err != nil {
		return located(b.file, fmt.Errorf("FROM %s: %w", s.baseName(), err))
	}
	if err := s.onBuild(); err != nil {
		return err
	}
	for _, cmd := range s.parsed.Commands {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		b.stepf(source(cmd))
		if err := s.dispatch(cmd); err != nil {
			return b.at(cmd, err)
		}
	}
	if s.usedAsBase() {
		id, err := s.baseImage()
		if err != nil {
			return err
		}
		s.imageID = id
	}
	return nil
}

// baseImage is the image a later FROM builds on: the cached image the stage
// ended on, or a checkpoint of its container.
func (s *stage) baseImage() (string, error) {
	if s.hit != "" && len(s.replay) == 0 {
		return s.hit, nil
	}
	if err := s.materialize(); err != nil {
		return "", err
	}
	id, err := commit.Checkpoint(s.b.ctx, s.c, s.b.opts.Commit)
	if err != nil {
		return "", err
	}
	return id, nil
}

// stepf prints the next "STEP n/m:" line.
func (b *builder) stepf(text string) {
	b.mu.Lock()
	b.step++
	n := b.step
	b.mu.Unlock()
	b.printf("STEP %d/%d: %s\n", n, b.steps, text)
}

func source(cmd instructions.Command) string {
	if sc, ok := cmd.(interface{ SourceContent() string }); ok && sc.SourceContent() != "" {
		return sc.SourceContent()
	}
	return fmt.Sprint(cmd)
}

// from is FROM: container.From, or a working container on an earlier
// stage's image.
func (s *stage) from() error {
	base := s.baseName()
	image := base
	if i, ok := s.b.stageRef(base, s.index); ok {
		image = s.b.stages[i].imageID
	}
	sys, err := s.platform()
	if err != nil {
		return err
	}
	c, err := container.From(s.b.ctx, s.b.store, sys, image, container.Options{Pull: s.b.opts.Pull})
	if err != nil {
		return err
	}
	s.c = c
	s.chain = "FROM " + cmp.Or(c.FromImageID, "scratch")
	return nil
}

// platform is the containers/image context for FROM --platform=OS/ARCH[/VARIANT]
// (expanded with the global ARGs, so $BUILDPLATFORM works): it picks the
// instance of a manifest list.
func (s *stage) platform() (*types.SystemContext, error) {
	if s.parsed.Platform == "" && s.b.opts.Platform == "" {
		return s.b.opts.Sys, nil
	}
	p, err := expand(cmp.Or(s.parsed.Platform, s.b.opts.Platform), s.b.metaArgs, nil)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(p, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("FROM --platform=%s: want OS/ARCH[/VARIANT]", p)
	}
	sys := types.SystemContext{}
	if s.b.opts.Sys != nil {
		sys = *s.b.opts.Sys
	}
	sys.OSChoice, sys.ArchitectureChoice = parts[0], parts[1]
	if len(parts) == 3 {
		sys.VariantChoice = parts[2]
	}
	return &sys, nil
}

// onBuild replays the base image's ONBUILD triggers through the same
// dispatch as the Dockerfile's own instructions, then drops them, as
// Docker does for the child image.
func (s *stage) onBuild() error {
	triggers := s.c.Docker.OnBuild
	if len(triggers) == 0 {
		return nil
	}
	for _, t := range triggers {
		result, err := parser.Parse(strings.NewReader(t))
		if err != nil || len(result.AST.Children) != 1 {
			return fmt.Errorf("ONBUILD %s: bad trigger: %v", t, err)
		}
		cmd, err := instructions.ParseCommand(result.AST.Children[0])
		if err != nil {
			return fmt.Errorf("ONBUILD %s: %w", t, err)
		}
		if err := s.dispatch(cmd); err != nil {
			return fmt.Errorf("ONBUILD %s: %w", t, err)
		}
	}
	return s.apply(container.ClearOnBuild())
}

func (s *stage) usedAsBase() bool {
	for _, other := range s.b.stages[s.index+1:] {
		if i, ok := s.b.stageRef(other.baseName(), other.index); ok && i == s.index {
			return true
		}
	}
	return false
}

// apply makes configuration changes (hod config's Changes). While a cache
// hit is pending they are also kept for replay onto the cached image.
func (s *stage) apply(changes ...container.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if s.hit != "" {
		s.replay = append(s.replay, changes)
	}
	return s.c.Apply(changes...)
}

// materialize moves the container onto a pending cache hit and replays the
// configuration changes made since, one Apply per instruction as in an
// uncached build, so history comes out the same.
func (s *stage) materialize() error {
	if s.hit == "" {
		return nil
	}
	id, replay := s.hit, s.replay
	s.hit, s.replay = "", nil
	if err := s.c.RebaseOnImage(s.b.ctx, s.b.opts.Sys, id); err != nil {
		return err
	}
	for _, changes := range replay {
		if err := s.c.Apply(changes...); err != nil {
			return err
		}
	}
	return nil
}

// step describes the layer-making step about to run for the cache: its
// parent is the stage's key so far plus the instructions since the last
// layer; parts are the instruction and then its inputs.
func (s *stage) step(parts ...string) step {
	return step{parent: digestOf(append([]string{s.chain}, s.pending...)...), text: parts[0], inputs: parts[1:]}
}

// layer ends a layer-making step: commit --layer (a checkpoint) and record
// it in the cache; or nothing without layers, the final commit taking all.
func (s *stage) layer(parts ...string) (string, error) {
	if s.b.opts.NoLayers {
		return "", nil
	}
	st := s.step(parts...)
	id, err := commit.Checkpoint(s.b.ctx, s.c, s.b.opts.Commit)
	if err != nil {
		return "", err
	}
	s.b.cache.store(id, st)
	s.chain, s.pending = st.key(), nil
	return id, nil
}

// cached reports whether a layer-making step's result is in the cache; the
// step is then not run, and the stage goes on from the cached image. On a
// miss the container is brought up to date for the step to run.
func (s *stage) cached(parts ...string) (bool, error) {
	st := s.step(parts...)
	id, ok := s.b.cache.lookup(st)
	if !ok {
		return false, s.materialize()
	}
	s.hit, s.replay = id, nil
	s.chain, s.pending = st.key(), nil
	s.b.printf("--> Using cache %s\n", id)
	return true, nil
}
