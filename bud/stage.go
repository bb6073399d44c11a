package bud

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/copier"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/transfer"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.podman.io/image/v5/types"
)

const goarch = runtime.GOARCH

// scratchPath is the PATH buildah sets for a build FROM scratch.
const scratchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// stage is one FROM section being built in its own working container.
type stage struct {
	b     *builder
	index int
	// position is the stage's place among those built (1-based); steps
	// counts its steps printed.
	position, steps int
	parsed          instructions.Stage
	c               *container.Container
	args            map[string]string // ARGs declared in this stage
	setArgs         map[string]bool   // those of them with a value: a default, --build-arg or global ARG
	// cmdSet is whether this stage gave a CMD (an ENTRYPOINT then keeps it).
	cmdSet bool
	// chain is the cache key of the stage so far; pending the instructions
	// applied since its last layer, which the next key includes.
	chain   string
	pending []string
	// top is an image holding exactly the stage so far (its base, a cache
	// hit or its last layer), "" once something changed since.
	top string
	// imageID is the immutable image the stage ended as, set when a later
	// stage builds on it, copies or mounts from it: those read this image,
	// never the stage's working container.
	imageID string
	// hit is a cached image the stage has reached without moving its
	// container onto it yet; replay holds the configuration changes (one
	// group per instruction) made since. A run of cache hits thus costs no
	// container work at all; materialize catches up when something runs.
	hit    string
	replay [][]state.Change
	// workDirMade is the working directory ensureWorkDir last made sure of.
	workDirMade string
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

// fromText is the FROM step as buildah prints it: the expanded base name
// (an earlier stage's image ID for a stage) and the stage's name, without
// FROM's flags.
func (s *stage) fromText() string {
	base := s.baseName()
	if i, ok := s.b.stageRef(base, s.index); ok {
		base = s.b.stages[i].imageID
	} else if nc, ok := s.b.opts.Contexts[strings.ToLower(base)]; ok && nc.Image != "" {
		base = nc.Image
	}
	text := "FROM " + base
	if s.parsed.Name != "" {
		text += " AS " + s.parsed.Name
	}
	return text
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
	s.args, s.setArgs = map[string]string{}, map[string]bool{}
	usage := getRusage()
	defer logRusage(b.opts.RusageLog, &usage)
	s.stepf(s.fromText())
	if err := s.from(); err != nil {
		return fmt.Errorf("%s:%d: FROM %s: %w", b.file, line(s.parsed.Location), s.parsed.BaseName, err)
	}
	if err := s.onBuild(); err != nil {
		return fmt.Errorf("%s:%d: %w", b.file, line(s.parsed.Location), err)
	}
	for _, cmd := range s.parsed.Commands {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		s.stepf(source(cmd))
		if err := s.dispatch(cmd); err != nil {
			return b.at(cmd, err)
		}
		logRusage(b.opts.RusageLog, &usage)
	}
	if !b.used[i] || b.readsContainer(i) {
		return nil
	}
	id, err := s.end()
	if err != nil {
		return fmt.Errorf("%s: end of stage %s: %w", b.file, cmp.Or(s.parsed.Name, strconv.Itoa(i)), err)
	}
	s.imageID = id
	return nil
}

// endStep is the cache step of a stage's end: the image that holds the
// configuration changes made after its last layer.
const endStep = "END OF STAGE"

// end makes the stage an image for the stages that use it: the image it
// is already on, a cached end, or a checkpoint of its container.
func (s *stage) end() (string, error) {
	if s.top != "" {
		return s.top, nil
	}
	if hit, err := s.cached(endStep); hit || err != nil {
		return s.top, err
	}
	return s.checkpoint(endStep)
}

// stepf prints the stage's next step as buildah does: "STEP k/m: " with
// m the stage's instructions (FROM included), behind "[i/n] " (the
// stage's place among the n built) when there are several stages.
func (s *stage) stepf(text string) {
	s.b.flushDeferred()
	s.steps++
	s.b.printf("%sSTEP %d/%d: %s\n", s.prefix(), s.steps, 1+len(s.parsed.Commands), text)
}

// prefix is "[i/n] " in a build of several stages, else "".
func (s *stage) prefix() string {
	if s.b.built < 2 {
		return ""
	}
	return fmt.Sprintf("[%d/%d] ", s.position, s.b.built)
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
	if base == "" {
		return errors.New("base name expands to nothing")
	}
	image, pull := base, s.b.opts.Pull
	if i, ok := s.b.stageRef(base, s.index); ok {
		// An earlier stage's image is local: no pull policy applies.
		image, pull.Policy = s.b.stages[i].imageID, transfer.PullNever
	} else if nc, ok := s.b.opts.Contexts[strings.ToLower(base)]; ok {
		if nc.Image == "" {
			return fmt.Errorf("build context %q is a directory: FROM needs an image (docker-image://)", base)
		}
		image = nc.Image
	}
	sys, err := s.platform()
	if err != nil {
		return err
	}
	c, err := container.From(s.b.ctx, s.b.store, sys, image, container.Options{Pull: pull, IDMap: s.b.opts.IDMap, Journal: s.b.journal})
	if err != nil {
		return err
	}
	// By name too: the container's ID changes at each step (Rebase).
	if err := s.b.journal.Temporary(c.Name); err != nil {
		return err
	}
	s.c, s.top = c, c.FromImageID
	s.chain = "FROM " + cmp.Or(c.FromImageID, "scratch")
	if c.FromImageID == "" {
		// As buildah: a build from scratch starts with the default PATH.
		return c.Apply(state.DefaultEnv("PATH", scratchPath))
	}
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
	platform, err := storage.ParsePlatform(p)
	if err != nil {
		return nil, fmt.Errorf("--platform: %w", err)
	}
	return platform.Choose(s.b.opts.Sys), nil
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
		if err != nil {
			return fmt.Errorf("ONBUILD %q: %w", t, err)
		}
		if n := len(result.AST.Children); n != 1 {
			return fmt.Errorf("ONBUILD %q: want one instruction, found %d", t, n)
		}
		cmd, err := instructions.ParseCommand(result.AST.Children[0])
		if err != nil {
			return fmt.Errorf("ONBUILD %s: %w", t, err)
		}
		if err := s.dispatch(cmd); err != nil {
			return fmt.Errorf("ONBUILD %s: %w", t, err)
		}
	}
	return s.apply(state.ClearOnBuild())
}

// apply makes configuration changes (hod config's Changes). While a cache
// hit is pending they are also kept for replay onto the cached image.
func (s *stage) apply(changes ...state.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if s.hit != "" {
		s.replay = append(s.replay, changes)
	}
	s.top = ""
	s.c.ApplyUnsaved(changes...)
	return nil
}

// materialize moves the container onto a pending cache hit and replays the
// configuration changes made since, one Apply per instruction as in an
// uncached build, so history comes out the same.
func (s *stage) materialize() error {
	if s.hit != "" {
		id, replay := s.hit, s.replay
		s.hit, s.replay, s.workDirMade = "", nil, ""
		if err := s.c.RebaseOnImage(s.b.ctx, s.b.opts.Sys, id); err != nil {
			return err
		}
		for _, changes := range replay {
			s.c.ApplyUnsaved(changes...)
		}
	}
	return nil
}

// ensureWorkDir makes a missing working directory, owned by the current
// USER, as buildah does: after a COPY, before a RUN, and without --layers
// also when WORKDIR sets it (buildah's config-only steps keep their
// changes then; with --layers they are committed as empty layers and
// the directory goes with them).
//
// Once made, a working directory is not looked at again (a mount each step)
// until a RUN, which may remove it, or a move onto a cached image.
func (s *stage) ensureWorkDir() error {
	cfg := s.c.Config.Config
	if cfg.WorkingDir == "" || cfg.WorkingDir == "/" || cfg.WorkingDir == s.workDirMade {
		return nil
	}
	if err := copier.EnsureDir(s.c, cfg.WorkingDir, cfg.User); err != nil {
		return err
	}
	s.workDirMade = cfg.WorkingDir
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
		// As buildah without --layers: the step is an empty-layer history
		// entry now; the final commit takes the last one back as its own.
		s.top = ""
		if cb := s.c.State.CreatedBy; cb != "" {
			s.c.State.CreatedBy = ""
			return "", s.c.AddHistory(cb)
		}
		return "", nil
	}
	return s.checkpoint(parts...)
}

// checkpoint commits the container as a layer of a new image, the stage's
// top, and records it in the cache.
func (s *stage) checkpoint(parts ...string) (string, error) {
	st := s.step(parts...)
	if err := s.materialize(); err != nil {
		return "", err
	}
	if err := s.c.Save(); err != nil {
		return "", err
	}
	id, err := commit.Checkpoint(s.b.ctx, s.c, s.b.opts.Commit)
	if err != nil {
		return "", err
	}
	// Printed before the next step, or after COMMIT when this is the
	// build's image: where buildah, committing it then, prints it.
	s.b.deferPrint(s.b.cache.store(id, st))
	s.chain, s.pending, s.top = st.key(), nil, id
	return id, nil
}

// cached reports whether a layer-making step's result is in the cache; the
// step is then not run, and the stage goes on from the cached image. On a
// miss the container is brought up to date for the step to run.
func (s *stage) cached(parts ...string) (bool, error) {
	st := s.step(parts...)
	id, pulled, ok := s.b.cache.lookup(st)
	if !ok {
		return false, s.materialize()
	}
	s.hit, s.replay, s.top = id, nil, id
	s.chain, s.pending = st.key(), nil
	s.b.printf("%s", hitMessage(id, pulled))
	if pulled == "" {
		s.b.deferPrint(s.b.cache.share(id, st))
	}
	return true, nil
}
