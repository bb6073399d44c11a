package bud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hodbuild/hod/attest"
	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/copier"
	"github.com/hodbuild/hod/storage/transfer"
	"github.com/opencontainers/go-digest"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/storage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Options are the settings of Build. The zero value builds ContextDir's
// Containerfile or Dockerfile with the layer cache, OCI format, runc.
type Options struct {
	ContextDir string
	// Dockerfiles are paths, or "-" to read Stdin, read in order as one
	// Containerfile; none finds Containerfile or Dockerfile in ContextDir.
	Dockerfiles []string
	Stdin       io.Reader
	Tags        []string
	// LogPrefix starts each line of the build's own output ("[linux/arm64] "
	// when several platforms are built).
	LogPrefix string
	// RusageLog gets a line of resource use per step (--log-rusage).
	RusageLog io.Writer
	// IIDFile is where the caller writes the image ID; as in buildah, the
	// "--> ID" line is then left out.
	IIDFile   string
	BuildArgs map[string]string
	Target    string
	// NoLayers commits only the final image: no per-step layers, no cache.
	NoLayers bool
	// KeepUnusedStages builds every stage up to the target, not only those
	// it needs (--skip-unused-stages=false).
	KeepUnusedStages bool
	// Jobs is how many independent stages are built at once (0 or 1: one).
	Jobs    int
	NoCache bool
	Pull    transfer.PullOptions
	Commit  commit.Options
	// Attest records an SBOM and a provenance with the built image.
	Attest attest.Request
	// Secrets maps a secret's id to the host file RUN --mount=type=secret reads.
	Secrets map[string]string
	// SSH maps an id to the SSH agent socket RUN --mount=type=ssh forwards.
	SSH map[string]string
	// Platform (OS/ARCH[/VARIANT]) is the target platform: the default of
	// FROM --platform and of the TARGET* ARGs. Empty: this machine's.
	Platform    string
	Labels      map[string]string
	Annotations map[string]string
	// Final holds changes made to the built image only, not to cached steps.
	Final Final
	// From replaces the first FROM's base image (buildah's --from).
	From string
	// Contexts are --build-context's named contexts: FROM, COPY --from and
	// RUN --mount from= use them in place of an image or stage of that name.
	Contexts map[string]NamedContext
	// IDMap gives every stage's working container this user namespace mapping.
	IDMap state.IDMap
	// RemoteCache shares step images through a registry (--cache-from/-to).
	RemoteCache RemoteCache
	// CPPFlags are added to cpp's arguments for a Containerfile named *.in.
	CPPFlags []string
	// SignBy signs the built image, for each of its tags, with this GnuPG key.
	SignBy     string
	IgnoreFile string
	Run        run.Options
	Sys        *types.SystemContext
	// Out receives the STEP lines and RUN output; nil is quiet.
	Out io.Writer
}

// NamedContext is a directory, or an image (docker-image://,
// container-image:// or docker://, as buildah reads them), given to the
// build under a name.
type NamedContext struct{ Dir, Image string }

// ParseNamedContext parses --build-context NAME=VALUE: VALUE is an image
// reference after docker-image:// or container-image://, or a directory.
// (URLs are fetched by the caller, which passes the directory.)
func ParseNamedContext(spec string) (string, NamedContext, error) {
	name, value, ok := strings.Cut(spec, "=")
	if !ok || name == "" || value == "" {
		return "", NamedContext{}, fmt.Errorf("parse --build-context %q: want NAME=VALUE", spec)
	}
	for _, scheme := range []string{"docker-image://", "container-image://", "docker://"} {
		if image, ok := strings.CutPrefix(value, scheme); ok {
			if image == "" {
				return "", NamedContext{}, fmt.Errorf("parse --build-context %q: no image after %s", spec, scheme)
			}
			return strings.ToLower(name), NamedContext{Image: image}, nil
		}
	}
	dir, err := filepath.Abs(value)
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(dir); err == nil && !st.IsDir() {
			err = errors.New("not a directory")
		}
	}
	if err != nil {
		return "", NamedContext{}, fmt.Errorf("parse --build-context %q: %w", spec, err)
	}
	return strings.ToLower(name), NamedContext{Dir: dir}, nil
}

// Final are bud's changes to the built image alone: --env, --unsetenv,
// --os-version, --os-feature, --omit-history.
type Final struct {
	Env, UnsetEnv, OSFeatures []string
	OSVersion                 string
	OmitHistory               bool
}

// changes are Final's configuration changes, and the parts of the final
// step's cache key that describe them.
func (f Final) changes() ([]state.Change, []string, error) {
	var out []state.Change
	for _, kv := range f.Env {
		// buildah's bud --env: K=V expanded against the image's
		// environment, K alone from hod's own.
		if key, value, ok := strings.Cut(kv, "="); ok {
			out = append(out, state.ExpandedEnv(key, value))
		} else {
			out = append(out, state.Env(kv, os.Getenv(kv)))
		}
	}
	if f.OSVersion != "" {
		out = append(out, state.OSVersion(f.OSVersion))
	}
	out = append(out, state.Each(f.OSFeatures, state.OSFeature)...)
	parts := []string{"env=" + strings.Join(f.Env, "\x00"), "unsetenv=" + strings.Join(f.UnsetEnv, ","),
		"os-version=" + f.OSVersion, "os-features=" + strings.Join(f.OSFeatures, ","), "omit-history=" + strconv.FormatBool(f.OmitHistory)}
	return out, parts, nil
}

// Build builds the target stage and returns the image ID. Every step is a
// call of the primitives the CLI uses; nothing is implemented twice.
func Build(ctx context.Context, store cstorage.Store, opts Options) (string, error) {
	// A step that changed no file (the end of a stage, the final commit
	// after configuration instructions) adds no empty layer.
	opts.Commit.OmitEmptyLayer = true
	b, err := load(ctx, store, opts)
	if err != nil {
		return "", err
	}
	defer b.cleanup()
	id, err := b.build()
	if err == nil {
		b.exportCacheMounts()
		err = b.attest(ctx, id)
	}
	b.cache.remote.wait()
	return id, err
}

// attest records the SBOM and provenance the build asks for with its image
// (a cache hit's too): the provenance names the Containerfile by digest,
// the build context by the copy engine's digest (what COPY . would read,
// ignore rules included), the build arguments and the target. Secrets are
// mounts, never arguments, and reach neither.
func (b *builder) attest(ctx context.Context, id string) error {
	req := b.opts.Attest
	if !req.Any() {
		return nil
	}
	if req.Provenance != nil {
		p := *req.Provenance
		p.Containerfile = digest.FromBytes(b.text).String()
		ctxDigest, err := copier.Digest(ctx, []string{"."}, copier.Options{ContextDir: b.opts.ContextDir, Confine: true, Ignore: b.ignore, IgnoreFile: b.ignoreFile})
		if err != nil {
			return fmt.Errorf("provenance: build context: %w", err)
		}
		p.Context, p.Args, p.Target = "sha256:"+ctxDigest, b.opts.BuildArgs, b.opts.Target
		req.Provenance = &p
	}
	name := id
	if len(b.opts.Tags) > 0 {
		name = b.opts.Tags[0]
	}
	return attest.Record(ctx, b.store, b.opts.Sys, id, name, req)
}

// load reads, preprocesses and parses the Containerfile, and makes the
// builder for it; the caller cleans the builder up.
func load(ctx context.Context, store cstorage.Store, opts Options) (*builder, error) {
	name, text, err := readDockerfile(opts)
	if err != nil {
		return nil, err
	}
	opts.ContextDir = contextOf(opts)
	if text, err = preprocess(name, text, opts); err != nil {
		return nil, err
	}
	stages, metaArgs, messages, err := parse(name, text)
	if err != nil {
		return nil, err
	}
	b, err := newBuilder(ctx, store, opts, name, stages, metaArgs)
	if b != nil {
		b.messages, b.text = messages, text
	}
	return b, err
}

// readDockerfile reads the Containerfiles the build names, in order, as
// one text (buildah appends each file's instructions to the first's), or
// finds CONTEXT/Containerfile or CONTEXT/Dockerfile. A relative -f that is
// not found from the working directory is looked up in the context
// directory, as buildah does. The name returned is the first file's.
func readDockerfile(opts Options) (string, []byte, error) {
	if len(opts.Dockerfiles) == 0 {
		return discoverDockerfile(opts.ContextDir)
	}
	var name string
	var all []byte
	for i, file := range opts.Dockerfiles {
		path, text, err := readOneDockerfile(file, opts)
		if err != nil {
			return "", nil, err
		}
		if i == 0 {
			name = path
		}
		all = append(append(all, text...), '\n')
	}
	return name, all, nil
}

func readOneDockerfile(file string, opts Options) (string, []byte, error) {
	if file == "-" {
		text, err := io.ReadAll(opts.Stdin)
		return "Dockerfile", text, err
	}
	if strings.HasPrefix(file, "http://") || strings.HasPrefix(file, "https://") {
		text, err := fetchDockerfile(file)
		return file, text, err
	}
	// The errors are buildah's words.
	err := statAbs(file)
	if err != nil && !filepath.IsAbs(file) && opts.ContextDir != "" {
		if inContext := filepath.Join(opts.ContextDir, file); statAbs(inContext) == nil {
			file, err = inContext, nil
		}
	}
	if err != nil {
		return "", nil, err
	}
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		return "", nil, fmt.Errorf("containerfile: %q cannot be path to a directory", file)
	}
	text, err := os.ReadFile(file)
	if err == nil && len(text) == 0 {
		err = fmt.Errorf("no contents in %q", file)
	}
	return file, text, err
}

// discoverDockerfile finds the Containerfile as buildah does: CONTEXT
// itself when it is a file, else CONTEXT/Containerfile, else
// CONTEXT/Dockerfile, which must be regular files.
func discoverDockerfile(contextDir string) (string, []byte, error) {
	if abs, err := filepath.Abs(contextDir); err == nil {
		contextDir = abs // errors name absolute paths, as buildah's do
	}
	fi, err := os.Stat(contextDir)
	if err != nil {
		return "", nil, fmt.Errorf("discovering Containerfile: %w", statAbs(contextDir))
	}
	file := contextDir
	if fi.IsDir() {
		file = filepath.Join(contextDir, "Containerfile")
		if fi, err = os.Stat(file); err != nil {
			file = filepath.Join(contextDir, "Dockerfile")
			if fi, err = os.Stat(file); err != nil {
				return "", nil, fmt.Errorf("cannot find Containerfile or Dockerfile in context directory: %w", statAbs(file))
			}
		}
		if !fi.Mode().IsRegular() {
			return "", nil, fmt.Errorf("assumed Containerfile %q is not a file", file)
		}
	}
	text, err := os.ReadFile(file)
	if err == nil && len(text) == 0 {
		err = fmt.Errorf("no contents in %q", file)
	}
	return file, text, err
}

// contextOf is the build context when CONTEXT names the Containerfile
// itself: its directory, as in buildah.
func contextOf(opts Options) string {
	if len(opts.Dockerfiles) == 0 {
		if fi, err := os.Stat(opts.ContextDir); err == nil && fi.Mode().IsRegular() {
			return filepath.Dir(opts.ContextDir)
		}
	}
	return opts.ContextDir
}

// statAbs is os.Stat of path made absolute, whose error names the
// absolute path as buildah's do.
func statAbs(path string) error {
	abs, err := filepath.Abs(path)
	if err == nil {
		_, err = os.Stat(abs)
	}
	return err
}

// located prefixes a parse error with FILE:LINE.
func located(file string, err error) error {
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		return fmt.Errorf("%s:%d: %w", file, loc.Locations[0][0].Start.Line, err)
	}
	return fmt.Errorf("%s: %w", file, err)
}

// at words a step's failure as buildah does ("building at STEP \"RUN
// x\": while running runtime: exit status 1", the step as stepMessages
// has it), behind hod's FILE:LINE; a RUN's *run.ExitError stays one (its
// status is hod's).
func (b *builder) at(cmd instructions.Command, err error) error {
	var where []parser.Range
	if loc, ok := cmd.(interface{ Location() []parser.Range }); ok {
		where = loc.Location()
	}
	var exit *run.ExitError
	if errors.As(err, &exit) {
		err = fmt.Errorf("while running runtime: %w", err)
	}
	message, ok := b.messages[line(where)]
	if !ok {
		message = source(cmd)
	}
	return fmt.Errorf("%s:%d: building at STEP \"%s\": %w", b.file, line(where), message, err)
}

func at(file string, cmd instructions.Command, err error) error {
	var where []parser.Range
	if loc, ok := cmd.(interface{ Location() []parser.Range }); ok {
		where = loc.Location()
	}
	return fmt.Errorf("%s:%d: %s: %w", file, line(where), cmd.Name(), err)
}

// line is the first line of an instruction's location, 0 when unknown.
func line(where []parser.Range) int {
	if len(where) == 0 {
		return 0
	}
	return where[0].Start.Line
}

func (b *builder) build() (string, error) {
	target, err := b.targetIndex()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	b.ctx = ctx
	if err := b.runStages(b.needed(target), cancel); err != nil {
		return "", err
	}
	return b.finish(b.stages[target])
}

// finish commits the target stage under the tags, from the cache when the
// same final image was built before.
func (b *builder) finish(s *stage) (id string, err error) {
	// Sorted, so the history entry these make is the same on every build.
	var changes []state.Change
	parts := []string{"COMMIT", "squash=" + strconv.FormatBool(b.opts.Commit.Squash), "format=" + string(b.opts.Commit.Format)}
	for _, k := range keys(b.opts.Labels) {
		changes = append(changes, state.Label(k, b.opts.Labels[k]))
		parts = append(parts, "label:"+k+"="+b.opts.Labels[k])
	}
	for _, k := range keys(b.opts.Annotations) {
		changes = append(changes, state.Annotation(k, b.opts.Annotations[k]))
		parts = append(parts, "annotation:"+k+"="+b.opts.Annotations[k])
	}
	final, finalParts, err := b.opts.Final.changes()
	if err != nil {
		return "", err
	}
	if err := s.apply(append(changes, final...)...); err != nil {
		return "", err
	}
	st := s.step(append(parts, finalParts...)...)
	if top := b.reusableTop(s, len(changes)+len(final)); top != "" {
		// As buildah with --layers: the last step's image is the build's
		// (a Containerfile of one FROM line just names its base). It
		// keeps the cache key of its step.
		return b.tag(top, "")
	}
	id, pulled, hit := b.cache.lookup(st)
	pushed := ""
	if hit {
		b.printf("%s", hitMessage(id, pulled))
		if pulled == "" {
			pushed = b.cache.share(id, st)
		}
	} else {
		if err := s.materialize(); err != nil {
			return "", err
		}
		opts := b.opts.Commit
		opts.UnsetEnv, opts.OmitHistory = b.opts.Final.UnsetEnv, b.opts.Final.OmitHistory
		if b.opts.NoLayers {
			s.c.State.TakeLastHistory()
		}
		if err := s.c.Save(); err != nil {
			return "", err
		}
		if id, err = commit.Commit(b.ctx, s.c, "", opts); err != nil {
			return "", err
		}
		pushed = b.cache.store(id, st)
	}
	return b.tag(id, pushed)
}

// reusableTop is the final stage's image when it is the build's: with
// layers, the stage unchanged since its last step (on that step's image,
// or on a cache hit with nothing to replay), nothing left to apply, and no
// commit option that would change it; else "". A stage of one FROM line
// is its base image with or without layers, as in buildah.
func (b *builder) reusableTop(s *stage, changes int) string {
	f := b.opts.Final
	onlyFrom := len(s.parsed.Commands) == 0 && s.top != ""
	if (b.opts.NoLayers && !onlyFrom) || changes > 0 || b.opts.Commit.Squash || f.OmitHistory || len(f.UnsetEnv) > 0 || b.opts.Commit.Timestamp != nil {
		return ""
	}
	if s.top != "" {
		return s.top
	}
	if s.hit != "" && len(s.replay) == 0 {
		return s.hit
	}
	return ""
}

// runStages builds stages in file order; with Jobs > 1 concurrently, up
// to Jobs at once, each starting when the stages it builds on or copies
// from are done. The first failure cancels the rest.
func (b *builder) runStages(order []int, cancel context.CancelFunc) error {
	if b.opts.Jobs <= 1 {
		// One at a time, in file order, as buildah builds them (and
		// prints them) by default.
		for _, i := range order {
			if err := b.runStage(i); err != nil {
				cancel()
				return err
			}
		}
		return nil
	}
	ctx := b.ctx
	done := make(map[int]chan struct{}, len(order))
	for _, i := range order {
		done[i] = make(chan struct{})
	}
	slots := make(chan struct{}, max(1, b.opts.Jobs))
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, i := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			for _, d := range b.stages[i].dependencies() {
				<-done[d]
			}
			slots <- struct{}{}
			defer func() { <-slots }()
			if ctx.Err() != nil {
				return
			}
			if err := b.runStage(i); err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// tag names the build's image and prints buildah's closing lines; pushed
// is the --cache-to line of the final commit, printed after COMMIT.
func (b *builder) tag(id, pushed string) (string, error) {
	// buildah's line: the first tag as given (the others are additional
	// tags, reported as "Successfully tagged"), with the stage prefix.
	commit := "COMMIT"
	if len(b.opts.Tags) > 0 {
		commit += " " + b.opts.Tags[0]
	}
	if b.built > 1 {
		commit = fmt.Sprintf("[%d/%d] %s", b.built, b.built, commit)
	}
	b.printf("%s\n", commit)
	b.flushDeferred()
	b.printf("%s", pushed)
	img, err := b.store.Image(id)
	if err != nil {
		return "", err
	}
	if len(b.opts.Tags) > 0 {
		if err := storage.Tag(b.store, id, b.opts.Tags...); err != nil {
			return "", err
		}
	}
	for _, t := range b.opts.Tags {
		if b.opts.SignBy == "" {
			break
		}
		if err := transfer.Sign(b.ctx, b.store, b.opts.Sys, id, t, b.opts.SignBy); err != nil {
			_ = b.store.SetNames(id, img.Names) // no tag names an unsigned image
			return "", err
		}
	}
	if b.opts.IIDFile == "" {
		b.printf("--> %s\n", id[:11]) // buildah's 11 characters
	}
	if unused := b.unusedArgs(); len(unused) > 0 {
		b.printf("[Warning] one or more build args were not consumed: %v\n", unused)
	}
	if len(b.opts.Tags) > 0 {
		if img, err = b.store.Image(id); err != nil {
			return "", err
		}
		for _, n := range img.Names {
			b.printf("Successfully tagged %s\n", n)
		}
	}
	return id, nil
}

// deferPrint keeps a line for flushDeferred.
func (b *builder) deferPrint(line string) {
	b.flushDeferred()
	b.mu.Lock()
	b.deferred = line
	b.mu.Unlock()
}

// flushDeferred prints the line deferPrint kept, if any.
func (b *builder) flushDeferred() {
	b.mu.Lock()
	line := b.deferred
	b.deferred = ""
	b.mu.Unlock()
	b.printf("%s", line)
}

// printf prints a line behind LogPrefix; nothing at all for empty text
// (a cache line that has nothing to say), which must not leave a prefix.
func (b *builder) printf(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if b.opts.Out == nil || text == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.opts.Out, b.opts.LogPrefix+text)
}
