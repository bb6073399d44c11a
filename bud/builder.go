package bud

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/hodbuild/hod/copier"
	"github.com/hodbuild/hod/storage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	cstorage "go.podman.io/storage"
)

// builder holds one build: its stages, the global ARGs and the cache.
type builder struct {
	ctx        context.Context
	store      cstorage.Store
	opts       Options
	file       string
	stages     []*stage
	byName     map[string]int
	metaArgs   map[string]string
	ignore     []string
	ignoreFile string // where ignore came from
	text       []byte // the Containerfile as read (the provenance's digest)
	cache      *cache
	// used marks the stages a later needed stage builds on, copies or
	// mounts from: they end as images.
	used map[int]bool
	// deferred is a line printed before the next step or after COMMIT.
	deferred string
	// messages are the instructions by line as buildah's errors name them.
	messages map[int]string
	// usedAsBase marks those a later stage starts FROM.
	usedAsBase map[int]bool
	built      int // how many stages the build runs, for "[i/n]" prefixes
	// consumed are the --build-args an ARG took (under mu).
	consumed map[string]bool
	journal  *storage.Journal
	// mu serializes output across stages built at once.
	mu sync.Mutex
}

func newBuilder(ctx context.Context, store cstorage.Store, opts Options, file string, parsed []instructions.Stage, metaArgs []instructions.ArgCommand) (*builder, error) {
	contextDir, err := filepath.Abs(opts.ContextDir)
	if err != nil {
		return nil, err
	}
	opts.ContextDir = contextDir
	remote, err := newRemoteCache(ctx, store, opts.Sys, opts.RemoteCache)
	if err != nil {
		return nil, err
	}
	ignore, ignoreFile, err := copier.ReadIgnore(contextDir, opts.IgnoreFile, filepath.Base(file)+".dockerignore", ".containerignore", ".dockerignore")
	if err != nil {
		return nil, err
	}
	// The build's working containers are noted: if hod is killed, the
	// next hod removes them.
	journal, err := storage.BeginWrite(store)
	if err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, store: store, opts: opts, file: file, byName: map[string]int{}, ignore: ignore, ignoreFile: ignoreFile, used: map[int]bool{}, usedAsBase: map[int]bool{},
		cache: newCache(store, !opts.NoLayers && !opts.NoCache, opts.RemoteCache.TTL), journal: journal}
	b.cache.remote = remote
	target := storage.Platform{OS: "linux", Arch: goarch}
	if opts.Platform != "" {
		if target, err = storage.ParsePlatform(opts.Platform); err != nil {
			return nil, fmt.Errorf("--platform: %w", err)
		}
	}
	b.consumed = map[string]bool{}
	b.metaArgs = predefinedArgs(target)
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			b.metaArgs[kv.Key] = b.argValue(kv, b.metaArgs)
		}
	}
	if opts.From != "" && len(parsed) > 0 {
		parsed[0].BaseName = opts.From
	}
	for i, p := range parsed {
		b.stages = append(b.stages, &stage{b: b, index: i, parsed: p})
		if p.Name != "" {
			b.byName[stageName(p.Name)] = i
		}
	}
	return b, nil
}

func (b *builder) targetIndex() (int, error) {
	if b.opts.Target == "" {
		return len(b.stages) - 1, nil
	}
	i, ok := b.byName[stageName(b.opts.Target)]
	if n, err := strconv.Atoi(b.opts.Target); !ok && err == nil && n >= 0 && n < len(b.stages) {
		i, ok = n, true // as buildah: a stage's number names it too
	}
	if !ok {
		return 0, fmt.Errorf("The target %q was not found in the provided Dockerfile", b.opts.Target) //nolint:staticcheck // buildah's words
	}
	return i, nil
}

// stageRef resolves a FROM or --from name to an earlier stage. A build
// context of that name wins over a stage, as in buildah: the name is then
// no stage's.
func (b *builder) stageRef(name string, before int) (int, bool) {
	if _, isContext := b.opts.Contexts[strings.ToLower(name)]; isContext {
		return 0, false
	}
	if i, ok := b.byName[stageName(name)]; ok && i < before {
		return i, true
	}
	if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < before {
		return i, true
	}
	return 0, false
}

// needed lists the stages the target depends on, in file order: unused
// stages are never built, unless KeepUnusedStages asks for every stage up
// to the target.
func (b *builder) needed(target int) []int {
	want := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if want[i] {
			return
		}
		want[i] = true
		for _, dep := range b.stages[i].dependencies() {
			b.used[dep] = true
			visit(dep)
		}
		if base, ok := b.stageRef(b.stages[i].baseName(), i); ok {
			b.usedAsBase[base] = true
		}
	}
	visit(target)
	if b.opts.KeepUnusedStages {
		for i := 0; i < target; i++ {
			visit(i)
		}
	}
	var order []int
	for i := range b.stages {
		if want[i] {
			order = append(order, i)
			// As buildah numbers them: a stage's place in the file
			// among the stages up to the target, built or not.
			b.stages[i].position = i + 1
		}
	}
	b.built = target + 1
	return order
}

// cleanup removes every stage's working container.
func (b *builder) cleanup() {
	for _, s := range b.stages {
		if s.c != nil {
			_ = s.c.Delete()
		}
	}
	b.journal.Done()
}

// predefinedArgs are Docker's automatic platform ARGs for a build whose
// target is platform.
func predefinedArgs(target storage.Platform) map[string]string {
	return map[string]string{
		"TARGETPLATFORM": target.String(), "TARGETOS": target.OS, "TARGETARCH": target.Arch, "TARGETVARIANT": target.Variant,
		"BUILDPLATFORM": "linux/" + goarch, "BUILDOS": "linux", "BUILDARCH": goarch, "BUILDVARIANT": "",
	}
}

// argValue is an ARG's value: --build-arg wins over the default, which is
// expanded with the ARGs before it.
func (b *builder) argValue(kv instructions.KeyValuePairOptional, scope map[string]string) string {
	if v, ok := b.opts.BuildArgs[kv.Key]; ok {
		b.mu.Lock()
		b.consumed[kv.Key] = true
		b.mu.Unlock()
		return v
	}
	if kv.Value == nil {
		if v, ok := b.metaArgs[kv.Key]; ok {
			return v
		}
		// buildah's warning (at --log-level warn and below).
		logrus.Warnf("missing %q build argument. Try adding %q to the command line", kv.Key, "--build-arg "+kv.Key+"=<VALUE>")
		return ""
	}
	v, err := expand(*kv.Value, scope, nil)
	if err != nil {
		return *kv.Value
	}
	return v
}

// readsContainer tells whether later stages read stage i's working
// container instead of an image of it: without --layers and one stage at
// a time, a stage that is only copied or mounted from (no FROM starts on
// it) is finished before its readers start, so nothing races it and it
// need not be committed, as in buildah.
func (b *builder) readsContainer(i int) bool {
	return b.opts.NoLayers && b.opts.Jobs <= 1 && !b.usedAsBase[i]
}

// argSet tells whether an ARG has a value: a --build-arg, a default, or a
// global ARG's.
func (b *builder) argSet(kv instructions.KeyValuePairOptional) bool {
	_, given := b.opts.BuildArgs[kv.Key]
	_, global := b.metaArgs[kv.Key]
	return given || kv.Value != nil || global
}

func keys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}

// unusedArgs are the --build-args no ARG took, sorted; Docker's predefined
// proxy ARGs are never reported.
func (b *builder) unusedArgs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, k := range keys(b.opts.BuildArgs) {
		if !b.consumed[k] && !slices.Contains(proxyArgNames, k) {
			out = append(out, k)
		}
	}
	return out
}
