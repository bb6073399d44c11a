package bud

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/storage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// run is RUN: container.Run, then a layer. Build args in scope are the
// command's environment (not the image's), and part of the cache key;
// secrets are neither.
func (s *stage) run(c *instructions.RunCommand) error {
	argv := s.argv(c.ShellDependantCmdLine)
	if slices.ContainsFunc(argv, func(a string) bool { return strings.ContainsRune(a, 0) }) {
		// No exec can take it; say so before a runtime says "invalid argument".
		return errors.New("the command line holds a NUL byte")
	}
	opts := s.b.opts.Run
	for _, k := range keys(s.args) {
		// An ENV of the same name wins over the ARG in the run, so the
		// ARG is neither passed nor part of the cache key (as buildah).
		if !slices.ContainsFunc(s.c.Config.Config.Env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") }) {
			opts.Env = append(opts.Env, k+"="+s.args[k])
		}
	}
	if len(c.Files) > 0 {
		// A heredoc is the script: RUN <<EOF ... EOF runs it with the shell.
		argv = s.argv(instructions.ShellDependantCmdLine{CmdLine: []string{c.Files[0].Data}, PrependShell: true})
	}
	if network := instructions.GetNetwork(c); network != instructions.NetworkDefault {
		var err error
		if opts.Network, err = run.ParseNetwork(network); err != nil {
			return err
		}
	}
	mounts, mountEnv, release, err := s.runMounts(c)
	defer release()
	if err != nil {
		return err
	}
	opts.Mounts = append(append([]rspec.Mount{}, opts.Mounts...), mounts...)
	parts := append([]string{"RUN " + strings.Join(argv, " "), "network=" + string(opts.Network), "mounts=" + mountsKey(c)}, opts.Env...)
	opts.Env = append(append(opts.Env, mountEnv...), s.proxyArgs()...)
	if hit, err := s.cached(parts...); hit || err != nil {
		return err
	}
	if err := s.apply(state.CreatedBy(s.runCreatedBy(c))); err != nil {
		return err
	}
	if err := s.ensureWorkDir(); err != nil {
		return err
	}
	err = run.Run(s.b.ctx, s.c, argv, opts)
	s.workDirMade = "" // the command may have removed it
	if err != nil {
		return err
	}
	_, err = s.layer(parts...)
	return err
}

// runCreatedBy is RUN's history text as buildah writes it: "/bin/sh -c "
// and the instruction as written after "RUN ", behind "|N K=V…" when
// build args are set (historyArgs).
func (s *stage) runCreatedBy(c *instructions.RunCommand) string {
	text := "/bin/sh -c " + runText(c, source(c))
	if args := s.historyArgs(); args != "" {
		text = "|" + strconv.Itoa(len(strings.Split(args, " "))) + " " + args + " " + text
	}
	return text
}

// runText is what follows "RUN " in the instruction as written; for a
// heredoc, the command line the parser made of it.
func runText(c *instructions.RunCommand, src string) string {
	if len(c.Files) == 0 && len(src) > 4 {
		return src[4:]
	}
	if c.PrependShell {
		return strings.Join(c.CmdLine, " ")
	}
	argv, _ := json.Marshal(c.CmdLine)
	return string(argv)
}

// historyArgs are the stage's set ARGs as buildah writes them into a
// RUN's history: sorted "K=V", an ENV of the same name giving the value.
func (s *stage) historyArgs() string {
	env := map[string]string{}
	for _, kv := range s.c.Config.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	var out []string
	for k := range s.setArgs {
		v, inEnv := env[k]
		if !inEnv {
			v = s.args[k]
		}
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// proxyArgNames are Docker's predefined ARGs: given with --build-arg, a
// RUN sees them without an ARG line, and (unless declared) they stay out
// of the history and the cache key, as in buildah and Docker.
var proxyArgNames = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"}

func (s *stage) proxyArgs() []string {
	var out []string
	for _, k := range proxyArgNames {
		if _, declared := s.args[k]; declared {
			continue
		}
		if v, ok := s.b.opts.BuildArgs[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// mountsKey describes RUN --mount flags for the cache key: types and
// targets, never a secret's content.
func mountsKey(c *instructions.RunCommand) string {
	var b strings.Builder
	for _, m := range instructions.GetMounts(c) {
		fmt.Fprintf(&b, "%s:%s:%s:%s;", m.Type, m.From, m.Source, m.Target)
	}
	return b.String()
}

// runMounts turns RUN --mount flags into mounts of the run; release
// unmounts stages or images they were taken from.
func (s *stage) runMounts(c *instructions.RunCommand) ([]rspec.Mount, []string, func(), error) {
	var mounts []rspec.Mount
	var releases []func()
	var extraEnv []string
	release := func() {
		for _, r := range releases {
			r()
		}
	}
	extras := buildahMountOptions(source(c))
	for i, m := range instructions.GetMounts(c) {
		var rm rspec.Mount
		var err error
		switch m.Type {
		case instructions.MountTypeCache:
			if m.From != "" {
				// As buildah: a cache "from" a stage or image is that
				// root filesystem (or its source directory), not a
				// cache directory of hod's.
				var r func()
				rm, r, err = s.bindMount(m)
				if r != nil {
					releases = append(releases, r)
				}
				break
			}
			id := cmp.Or(m.CacheID, m.Target)
			s.b.useCacheMount(id)
			rm, err = mount.Cache(s.b.cacheRoot(), id, m.Target)
		case instructions.MountTypeTmpfs:
			rm = rspec.Mount{Type: "tmpfs", Source: "tmpfs", Destination: m.Target, Options: []string{"nosuid", "nodev"}}
			if i < len(extras) && extras[i]["tmpcopyup"] {
				// runc's own option: the tmpfs starts with what the
				// image has there.
				rm.Options = append(rm.Options, "tmpcopyup")
			}
		case instructions.MountTypeSecret:
			var ok bool
			var r func()
			rm, r, ok, err = s.secret(m)
			if r != nil {
				releases = append(releases, r)
			}
			if err == nil && !ok {
				continue
			}
		case instructions.MountTypeSSH:
			var env string
			if rm, env, err = s.ssh(m); err == nil {
				extraEnv = append(extraEnv, env)
			}
		case instructions.MountTypeBind:
			var r func()
			rm, r, err = s.bindMount(m)
			if r != nil {
				releases = append(releases, r)
			}
		default:
			err = fmt.Errorf("RUN --mount=type=%s is not supported", m.Type)
		}
		if err == nil && !path.IsAbs(rm.Destination) {
			err = fmt.Errorf("invalid container path %q, must be an absolute path", m.Target) // buildah's words
		}
		if err != nil {
			return nil, nil, release, err
		}
		if m.ReadOnly {
			rm.Options = append(rm.Options, "ro")
		}
		mounts = append(mounts, rm)
	}
	return mounts, extraEnv, release, nil
}

// ssh forwards an SSH agent socket (--ssh) into this RUN only, and points
// SSH_AUTH_SOCK at it, as BuildKit does.
func (s *stage) ssh(m *instructions.Mount) (rspec.Mount, string, error) {
	id := cmp.Or(m.CacheID, "default")
	src, ok := s.b.opts.SSH[id]
	if !ok {
		return rspec.Mount{}, "", fmt.Errorf("RUN --mount=type=ssh: no --ssh %s given", id)
	}
	target := cmp.Or(m.Target, "/run/buildkit/ssh_agent.0")
	return rspec.Mount{Type: "bind", Source: src, Destination: target, Options: []string{"rbind"}}, "SSH_AUTH_SOCK=" + target, nil
}

// secret mounts a --secret file read-only for this RUN only: mount points
// made for it are removed afterwards, so it reaches no layer.
func (s *stage) secret(m *instructions.Mount) (rspec.Mount, func(), bool, error) {
	id := cmp.Or(m.CacheID, path.Base(m.Target))
	src, ok := s.b.opts.Secrets[id]
	if !ok {
		if m.Required {
			return rspec.Mount{}, nil, false, fmt.Errorf("secret %q is required: pass --secret id=%s,src=FILE", id, id)
		}
		return rspec.Mount{}, nil, false, nil
	}
	owner := container.Owner{}
	if m.UID != nil {
		owner.UID = int(*m.UID)
	}
	if m.GID != nil {
		owner.GID = int(*m.GID)
	}
	hostOwner, err := s.c.IDMap.ToHost(owner)
	if err != nil {
		return rspec.Mount{}, nil, false, err
	}
	copied, release, err := secretCopy(src, m, hostOwner)
	if err != nil {
		return rspec.Mount{}, release, false, fmt.Errorf("secret %q: %w", id, err)
	}
	target := cmp.Or(m.Target, "/run/secrets/"+id)
	return rspec.Mount{Type: "bind", Source: copied, Destination: target, Options: []string{"rbind", "ro"}}, release, true, nil
}

// buildahMountOptions are the buildah-only fields (buildahMountFlags) of
// each --mount of a RUN line, in order: the parser never sees them, so
// they are read back from the instruction's text.
func buildahMountOptions(text string) []map[string]bool {
	var out []map[string]bool
	words := strings.Fields(text)
	if len(words) < 2 {
		return nil
	}
	for _, word := range words[1:] {
		if !strings.HasPrefix(word, "--") {
			break
		}
		value, ok := strings.CutPrefix(word, "--mount=")
		if !ok {
			continue
		}
		fields := map[string]bool{}
		for _, f := range strings.Split(value, ",") {
			if buildahMountFlags[f] {
				fields[f] = true
			}
		}
		out = append(out, fields)
	}
	return out
}

// secretCopy copies a secret into a private temporary file with the
// mount's mode (0400 by default, as in buildah and BuildKit) and owner (in
// host IDs): the run sees those, not the host file's. Without root the
// file stays the caller's, which is root in a rootless build's namespace.
func secretCopy(src string, m *instructions.Mount, owner container.Owner) (string, func(), error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "hod-secret-")
	if err != nil {
		return "", nil, err
	}
	release := func() { os.RemoveAll(dir) }
	mode := os.FileMode(0o400)
	if m.Mode != nil {
		mode = os.FileMode(*m.Mode)
	}
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return "", release, err
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(file, owner.UID, owner.GID); err != nil {
			return "", release, err
		}
	}
	return file, release, os.Chmod(file, mode)
}

// bindMount mounts a path of the build context (confined to it) or of an
// earlier stage or image.
func (s *stage) bindMount(m *instructions.Mount) (rspec.Mount, func(), error) {
	root, release := s.b.opts.ContextDir, func() {}
	if m.From != "" {
		var err error
		if root, release, err = s.sourceRoot(m.From); err != nil {
			return rspec.Mount{}, nil, err
		}
	}
	src, err := securejoin.SecureJoin(root, m.Source)
	if err != nil {
		release()
		return rspec.Mount{}, nil, err
	}
	rm := rspec.Mount{Type: "bind", Source: src, Destination: m.Target, Options: []string{"rbind"}}
	if path.IsAbs(rm.Destination) {
		if err := mount.CheckBind(rm); err != nil {
			release()
			return rspec.Mount{}, nil, fmt.Errorf("RUN --mount=type=bind,source=%s: %w", m.Source, err)
		}
	}
	return rm, release, nil
}

// sourceRoot mounts what a --from names for reading: an earlier stage (its
// image, or its finished working container when readsContainer says no
// other stage can race it), a build context, or another image.
func (s *stage) sourceRoot(from string) (string, func(), error) {
	if i, ok := s.b.stageRef(from, s.index); ok {
		if s.b.readsContainer(i) {
			c := s.b.stages[i].c
			root, err := c.Mount()
			return root, func() { _ = c.Unmount(false) }, err
		}
		return storage.MountImage(s.b.store, s.b.stages[i].imageID)
	}
	if nc, ok := s.b.opts.Contexts[strings.ToLower(from)]; ok {
		if nc.Dir != "" {
			return nc.Dir, func() {}, nil
		}
		from = nc.Image
	}
	return container.MountSource(s.b.ctx, s.b.store, s.b.opts.Sys, from, s.b.opts.Pull)
}
