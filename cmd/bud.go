package cmd

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/storage/manifest"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/bud"
	"github.com/hodbuild/hod/commit"
	runpkg "github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
	cstorage "go.podman.io/storage"
)

type budFlags struct {
	target, format, iidfile, ignoreFile, output                  string
	files                                                        []string
	logRusage                                                    bool
	rusageLogfile                                                string
	pull                                                         pullFlags
	platforms, manifest                                          string
	ssh                                                          []string
	tags, buildArgs, buildArgFiles, secrets, labels, annotations []string
	layers, noCache, squash, quiet, rm, forceRm                  bool
	skipUnusedStages                                             bool
	sbom, provenance                                             bool
	timestamp                                                    int64
	jobs                                                         int
	run                                                          runFlags
	reg                                                          registryFlags
	export                                                       *bud.Output // --output, parsed before building
	final                                                        bud.Final
	from, logfile, arch, os, variant                             string
	retry                                                        int
	stdin, logsplit, allPlatforms                                bool
	retryDelay                                                   time.Duration
	decryptionKeys                                               []string
	signBy                                                       string
	cppFlags, buildContexts, hooksDirs                           []string
	userns                                                       usernsFlags
	remoteCache                                                  bud.RemoteCache
}

// NewBud returns "hod bud" (alias "build").
func NewBud(g *globals) *cobra.Command {
	var o budFlags
	cmd := &cobra.Command{
		Use:     "bud [flags] [CONTEXT|-]",
		Aliases: []string{"build", "build-using-dockerfile"},
		Short:   "Build an image from a Containerfile or Dockerfile",
		Long: "Build an image from CONTEXT's Containerfile or Dockerfile (or -f) by replaying each instruction\n" +
			"through hod's primitives: FROM is from, RUN is run, COPY/ADD are copy/add, configuration\n" +
			"instructions are the changes config makes, and each step's layer is a commit --layer checkpoint,\n" +
			"cached by the parent and the instruction (and COPY sources' content). The image ID is the last line.",
		Example: `  hod bud -t localhost/app:1 .
  hod build -f build/Dockerfile --target release --build-arg VERSION=1.2 -t app .
  hod bud --secret id=npmrc,src=$HOME/.npmrc -t app .
  cat Dockerfile | hod bud -f - .
  tar -czf - -C src . | hod bud -t app -
  hod bud --cache-from registry.example/cache/app --cache-to registry.example/cache/app -t app .`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			contextDir := "."
			if len(args) > 0 {
				contextDir = args[0]
			}
			if bud.IsRemoteContext(contextDir) {
				if contextDir == "-" && slices.Contains(o.files, "-") {
					return errors.New("the context and the Containerfile cannot both come from stdin")
				}
				dir, sub, err := bud.FetchContext(cmd.Context(), contextDir, cmd.InOrStdin())
				defer os.RemoveAll(dir)
				if err != nil {
					return err
				}
				contextDir = filepath.Join(dir, sub)
			}
			if o.output != "" { // checked before anything is built
				out, err := bud.ParseOutput(o.output)
				if err != nil {
					return err
				}
				o.export = &out
			}
			store, sys, err := g.storeAndSys(o.reg)
			if err != nil {
				return err
			}
			opts, cleanup, err := o.options(cmd, store, contextDir)
			defer cleanup()
			if err != nil {
				return err
			}
			opts.Sys = sys
			builds, err := bud.Platforms(cmd.Context(), store, opts, o.platformList(), o.allPlatforms)
			if err != nil {
				return err
			}
			for _, b := range builds {
				id, err := o.build(cmd, store, b.Options)
				if err != nil {
					return err
				}
				if err := o.finish(cmd, store, id, b.Platform); err != nil {
					return err
				}
			}
			return nil
		},
	}
	addBudFlags(cmd, &o)
	return cmd
}

func addBudFlags(cmd *cobra.Command, o *budFlags) {
	f := cmd.Flags()
	f.StringSliceVarP(&o.files, "file", "f", nil, "Containerfile to build, or - for stdin; repeatable, the files are read in order (default CONTEXT/Containerfile or Dockerfile)")
	f.StringArrayVarP(&o.tags, "tag", "t", nil, "name for the image (repeatable)")
	f.StringArrayVar(&o.buildArgs, "build-arg", nil, "ARG value KEY=VALUE (repeatable)")
	f.StringArrayVar(&o.buildArgFiles, "build-arg-file", nil, "file of KEY=VALUE lines (repeatable)")
	f.StringVar(&o.target, "target", "", "stage to build (default the last)")
	f.BoolVar(&o.layers, "layers", useLayers(), "commit a cached layer per step (default $BUILDAH_LAYERS, else false: one layer for the build's changes)")
	f.BoolVar(&o.noCache, "no-cache", false, "do not use cached steps")
	addPullFlags(cmd, &o.pull)
	f.StringVar(&o.format, "format", defaultFormat(), "image format: oci or docker ($BUILDAH_FORMAT)")
	f.BoolVar(&o.squash, "squash", false, "squash the image into one layer")
	addAttestFlags(cmd, &o.sbom, &o.provenance)
	f.StringVar(&o.iidfile, "iidfile", "", "write the image ID to this file")
	f.BoolVar(&o.rm, "rm", true, "remove intermediate containers (always done)")
	f.BoolVar(&o.forceRm, "force-rm", false, "remove intermediate containers even on failure (always done)")
	f.StringArrayVar(&o.secrets, "secret", nil, "secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VAR")
	f.Int64Var(&o.timestamp, "timestamp", 0, "creation time and file mtimes in seconds since 1970 (reproducible builds)")
	f.StringArrayVar(&o.labels, "label", nil, "label KEY=VALUE for the image (repeatable)")
	f.StringArrayVar(&o.annotations, "annotation", nil, "manifest annotation KEY=VALUE (repeatable)")
	f.IntVar(&o.jobs, "jobs", 1, "independent stages built at once")
	f.StringVar(&o.ignoreFile, "ignorefile", "", "file of .dockerignore patterns")
	f.StringVarP(&o.output, "output", "o", "", "also export the image's files: type=local,dest=DIR or type=tar,dest=FILE")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the image ID")
	f.StringArrayVar(&o.ssh, "ssh", nil, "SSH agent socket for RUN --mount=type=ssh: default or ID[=SOCKET] (default $SSH_AUTH_SOCK)")
	f.StringVar(&o.platforms, "platform", "", "target OS/ARCH[/VARIANT]; several, comma-separated, with --manifest")
	f.StringVar(&o.manifest, "manifest", "", "add the built image(s) to this manifest list, created if missing")
	f.StringArrayVar(&o.final.Env, "env", nil, "set KEY=VALUE (KEY- unsets) in the built image (repeatable)")
	f.StringArrayVar(&o.final.UnsetEnv, "unsetenv", nil, "leave this variable out of the built image (repeatable)")
	f.StringVar(&o.final.OSVersion, "os-version", "", "OS version of the built image")
	f.StringArrayVar(&o.final.OSFeatures, "os-feature", nil, "required OS feature of the built image (repeatable)")
	f.BoolVar(&o.final.OmitHistory, "omit-history", false, "write no history into the built image")
	f.StringVar(&o.from, "from", "", "image to use instead of the first FROM's")
	f.StringArrayVar(&o.buildContexts, "build-context", nil, "NAME=VALUE: a directory, an http(s) URL of a tar archive, or docker-image://IMAGE that FROM NAME, COPY --from=NAME and RUN --mount from=NAME use (repeatable)")
	f.StringArrayVar(&o.hooksDirs, "hooks-dir", nil, "directory of OCI hook declarations (oci-hooks(5)) for RUN's runtime to run (repeatable; later ones override same-named files)")
	f.StringArrayVar(&o.cppFlags, "cpp-flag", nil, "flag for cpp, which preprocesses a Containerfile named *.in (repeatable)")
	f.StringVar(&o.remoteCache.From, "cache-from", "", "registry repository to look cached steps up in (REPOSITORY:KEY per step, as buildah; REPOSITORY:TAG uses TAG-KEY)")
	f.StringVar(&o.remoteCache.To, "cache-to", "", "registry repository to push each built step to, for --cache-from elsewhere (REPOSITORY[:TAG])")
	f.DurationVar(&o.remoteCache.TTL, "cache-ttl", 0, "use cached images only if created less than this ago (e.g. 24h; 0 is --no-cache)")
	f.BoolVar(&o.remoteCache.Mounts, "cache-mounts", false, "also share RUN --mount=type=cache directories through --cache-to/--cache-from (hod extension)")
	f.StringVar(&o.signBy, "sign-by", "", "sign the built image, for each -t name, with this GnuPG key")
	f.BoolVar(&o.stdin, "stdin", false, "pass hod's standard input to RUN steps")
	f.StringVar(&o.logfile, "logfile", "", "write the build's output to this file instead of stdout")
	f.BoolVar(&o.logRusage, "log-rusage", false, "log the resource use of each step (system, user, elapsed time, I/O)")
	f.StringVar(&o.rusageLogfile, "rusage-logfile", "", "with --log-rusage, write those lines to this file instead of stdout")
	f.BoolVar(&o.allPlatforms, "all-platforms", false, "build for every platform all base images exist for (into --manifest LIST when given; RUN runs only where this machine can execute)")
	f.BoolVar(&o.logsplit, "logsplit", false, "with --logfile, write each platform's output to LOGFILE_OS_ARCH")
	f.StringVar(&o.arch, "arch", "", "target architecture (as --platform linux/ARCH)")
	f.StringVar(&o.os, "os", "", "target operating system (as --platform OS/ARCH)")
	f.StringVar(&o.variant, "variant", "", "target architecture variant")
	f.IntVar(&o.retry, "retry", 3, "times to retry a failed pull")
	f.DurationVar(&o.retryDelay, "retry-delay", 2*time.Second, "delay between pull retries")
	f.Bool("identity-label", true, "accepted for buildah compatibility: hod adds no io.buildah.version label")
	f.BoolP("disable-compression", "D", true, "accepted for buildah compatibility: local layers are never compressed")
	f.Bool("compress", false, "accepted for buildah compatibility: no effect (as in buildah)")
	f.Bool("disable-content-trust", false, "accepted for buildah compatibility: no effect (as in buildah)")
	f.BoolVar(&o.skipUnusedStages, "skip-unused-stages", true, "build only the stages the target needs (false: every stage up to the target)")
	addRunFlags(cmd, &o.run)
	addDecryptionFlag(cmd, &o.decryptionKeys)
	addUsernsFlags(cmd, &o.userns)
	addRegistryFlags(cmd, &o.reg)
}

// options turns the flags into bud.Options; cleanup removes the files
// that hold --secret env= values.
// zeroTTL tells whether --cache-ttl was given as 0, which buildah takes
// as --no-cache.
func zeroTTL(cmd *cobra.Command, ttl time.Duration) bool {
	return cmd.Flags().Changed("cache-ttl") && ttl == 0
}

func (o budFlags) options(cmd *cobra.Command, store cstorage.Store, contextDir string) (_ bud.Options, cleanup func(), err error) {
	cleanup = func() {}
	policy, err := o.pull.policy(cmd)
	if err != nil {
		return bud.Options{}, cleanup, err
	}
	format, err := commit.ParseFormat(o.format)
	if err != nil {
		return bud.Options{}, cleanup, err
	}
	ts, err := timestamp(cmd, o.timestamp)
	if err != nil {
		return bud.Options{}, cleanup, err
	}
	if o.signBy != "" && len(o.tags) == 0 {
		return bud.Options{}, cleanup, errors.New("--sign-by needs a name to sign for (-t)")
	}
	run, err := o.run.options(store)
	if err != nil {
		return bud.Options{}, cleanup, err
	}
	ids, err := o.userns.idMap()
	if err != nil {
		return bud.Options{}, cleanup, err
	}
	run.HooksDirs = o.hooksDirs
	if err := runpkg.CheckHooks(run.Isolation, run.HooksDirs); err != nil {
		return bud.Options{}, cleanup, err
	}
	out := io.Writer(cmd.OutOrStdout())
	if o.export != nil && o.export.ToStdout() {
		out = cmd.ErrOrStderr() // stdout carries the exported archive
	}
	if o.logsplit && o.logfile == "" {
		return bud.Options{}, cleanup, errors.New("cannot use --logsplit without --logfile")
	}
	if o.logfile != "" {
		f, err := os.Create(o.logfile)
		if err != nil {
			return bud.Options{}, cleanup, fmt.Errorf("open --logfile: %w", err)
		}
		cleanup, out = func() { f.Close() }, f
	}
	if o.quiet {
		out = nil
	}
	run.Stdout, run.Stderr = out, cmd.ErrOrStderr()
	if o.stdin {
		run.Stdin = cmd.InOrStdin()
	}
	if out == nil {
		run.Stdout = io.Discard
	}
	opts := bud.Options{
		ContextDir: contextDir, Dockerfiles: o.files, IIDFile: o.iidfile, Stdin: cmd.InOrStdin(), Tags: o.tags, Target: o.target,
		NoLayers: !o.layers, NoCache: o.noCache || zeroTTL(cmd, o.remoteCache.TTL), KeepUnusedStages: !o.skipUnusedStages, Jobs: o.jobs, IgnoreFile: o.ignoreFile, Run: run, Out: out,
		Pull:   transfer.PullOptions{Policy: policy, Retry: o.retry, RetryDelay: o.retryDelay, DecryptionKeys: o.decryptionKeys, Report: progress(cmd, o.quiet)},
		Commit: commit.Options{Format: format, Squash: o.squash, Timestamp: ts},
		Attest: attestRequest(o.sbom, o.provenance),
		Final:  o.final, From: o.from, SignBy: o.signBy, CPPFlags: o.cppFlags, IDMap: ids, RemoteCache: o.remoteCache,
	}
	if opts.BuildArgs, err = bud.BuildArgs(o.buildArgFiles, o.buildArgs); err != nil {
		return opts, cleanup, err
	}
	if o.logRusage {
		opts.RusageLog = cmd.OutOrStdout()
		if o.rusageLogfile != "" {
			f, err := os.Create(o.rusageLogfile)
			if err != nil {
				return opts, cleanup, fmt.Errorf("open --rusage-logfile: %w", err)
			}
			closeRest := cleanup
			cleanup, opts.RusageLog = func() { f.Close(); closeRest() }, f
		}
	}
	if opts.Labels, err = keyValues("label", o.labels); err != nil {
		return opts, cleanup, err
	}
	if opts.Annotations, err = keyValues("annotation", o.annotations); err != nil {
		return opts, cleanup, err
	}
	var temps []string
	closeLog := cleanup
	cleanup = func() {
		closeLog()
		for _, t := range temps {
			os.RemoveAll(t)
		}
	}
	if opts.Secrets, temps, err = bud.ParseSecrets(o.secrets); err != nil {
		return opts, cleanup, err
	}
	contexts, fetched, err := bud.NamedContexts(cmd.Context(), o.buildContexts)
	temps = append(temps, fetched...)
	if err != nil {
		return opts, cleanup, err
	}
	opts.Contexts = contexts
	opts.SSH, err = bud.SSHSockets(o.ssh)
	return opts, cleanup, err
}

// finish does what follows a build: the ID file, --output, --manifest, and
// the ID as the last line.
func (o budFlags) finish(cmd *cobra.Command, store cstorage.Store, id, platform string) error {
	if err := writeIDFile(o.iidfile, "sha256:"+id); err != nil {
		return err
	}
	if o.export != nil {
		if err := bud.Export(store, id, *o.export, cmd.OutOrStdout()); err != nil {
			return err
		}
	}
	if o.manifest != "" {
		p, _ := storage.ParsePlatform(platform) // checked before the build; "" is this machine's
		if err := addToList(cmd, store, o.manifest, id, p); err != nil {
			return err
		}
	}
	switch {
	case o.iidfile != "": // buildah prints no ID then
	case o.export != nil && o.export.ToStdout():
		fmt.Fprintln(cmd.ErrOrStderr(), id)
	default:
		fmt.Fprintln(cmd.OutOrStdout(), id)
	}
	return nil
}

func keyValues(what string, list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, err := state.ParseKeyValue("--"+what, kv)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// addToList adds image id to the manifest list called list, creating the
// list first if there is none (bud --manifest, commit --manifest).
func addToList(cmd *cobra.Command, store cstorage.Store, list, id string, platform storage.Platform) error {
	if _, err := manifest.Create(store, list, true); err != nil {
		return err
	}
	_, err := transfer.AddToList(cmd.Context(), store, nil, list, id, manifest.Instance{Platform: platform}, false)
	return err
}

// build builds for one platform; with --logsplit its output goes to that
// platform's log file, LOGFILE_OS_ARCH as buildah names it.
func (o budFlags) build(cmd *cobra.Command, store cstorage.Store, opts bud.Options) (string, error) {
	if o.logsplit {
		p, err := storage.ParsePlatform(opts.Platform)
		if err != nil {
			p = storage.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
		}
		f, err := os.Create(fmt.Sprintf("%s_%s_%s", o.logfile, p.OS, p.Arch))
		if err != nil {
			return "", fmt.Errorf("open --logfile: %w", err)
		}
		defer f.Close()
		if opts.Run.Stdout = f; !o.quiet {
			opts.Out = f
		}
	}
	return bud.Build(cmd.Context(), store, opts)
}

// platformList is --platform's list, or the one platform --os, --arch and
// --variant name.
func (o budFlags) platformList() []string {
	if o.platforms == "" && (o.arch != "" || o.os != "" || o.variant != "") {
		p := storage.Platform{OS: cmp.Or(o.os, "linux"), Arch: cmp.Or(o.arch, runtime.GOARCH), Variant: o.variant}
		return []string{p.String()}
	}
	return strings.Split(o.platforms, ",")
}

// useLayers is --layers' default, buildah's: true when $BUILDAH_LAYERS is
// "true" (any case) or "1".
func useLayers() bool {
	v := os.Getenv("BUILDAH_LAYERS")
	return strings.EqualFold(v, "true") || v == "1"
}
