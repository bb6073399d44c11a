package bud

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/copier"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// dispatch runs one instruction through the primitives: configuration
// instructions are the Changes "hod config" makes, RUN is Run, COPY/ADD
// are Copy.
func (s *stage) dispatch(cmd instructions.Command) error {
	expander := func(word string) (string, error) { return expand(word, s.args, s.c.Config.Config.Env) }
	if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if err := e.Expand(expander); err != nil {
			return err
		}
	}
	if c, ok := cmd.(*instructions.CopyCommand); ok {
		// buildkit's Expand leaves --from alone (its dispatcher expands it).
		from, err := expander(c.From)
		if err != nil {
			return err
		}
		c.From = from
	}
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		return s.run(c)
	case *instructions.CopyCommand:
		return s.copy(cmd, c.SourcesAndDest, copySpec{from: c.From, chown: c.Chown, chmod: c.Chmod, exclude: c.ExcludePatterns, parents: c.Parents})
	case *instructions.AddCommand:
		return s.copy(cmd, c.SourcesAndDest, copySpec{chown: c.Chown, chmod: c.Chmod, add: true, checksum: c.Checksum, exclude: c.ExcludePatterns})
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			s.args[kv.Key] = s.b.argValue(kv, s.args)
			if s.b.argSet(kv) {
				s.setArgs[kv.Key] = true
			}
		}
		// buildah's history entry: the names of the stage's set ARGs.
		return s.apply(state.Described("ARG " + strings.Join(slices.Sorted(maps.Keys(s.setArgs)), " "))...)
	}
	changes, err := s.changes(cmd)
	if err != nil {
		return err
	}
	s.pending = append(s.pending, source(cmd), strings.Join(usedArgs(source(cmd), s.args), " "))
	// History records the instruction as written, as buildah does.
	if err := s.apply(state.Described(source(cmd), changes...)...); err != nil {
		return err
	}
	if _, ok := cmd.(*instructions.WorkdirCommand); ok && s.b.opts.NoLayers {
		return s.ensureWorkDir()
	}
	if v, ok := cmd.(*instructions.VolumeCommand); ok && s.hit == "" {
		return copier.CheckPaths(s.c, v.Volumes)
	}
	return nil
}

// changes maps a configuration instruction to its state.Changes.
func (s *stage) changes(cmd instructions.Command) ([]state.Change, error) {
	cfg := s.c.Config.Config
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		var out []state.Change
		for _, kv := range c.Env {
			out = append(out, state.Env(kv.Key, kv.Value))
		}
		return out, nil
	case *instructions.LabelCommand:
		var out []state.Change
		for _, kv := range c.Labels {
			out = append(out, state.Label(kv.Key, kv.Value))
		}
		return out, nil
	case *instructions.ExposeCommand:
		for _, p := range c.Ports {
			if err := state.CheckPort(p); err != nil {
				return nil, err
			}
		}
		return state.Each(c.Ports, func(p string) state.Change {
			if !strings.Contains(p, "/") {
				p += "/tcp" // as Docker and buildah write EXPOSE
			}
			return state.Port(p)
		}), nil
	case *instructions.VolumeCommand:
		return state.Each(c.Volumes, state.Volume), nil
	case *instructions.UserCommand:
		return []state.Change{state.User(c.User)}, nil
	case *instructions.WorkdirCommand:
		return []state.Change{state.WorkDir(workdir(cfg.WorkingDir, c.Path))}, nil
	case *instructions.CmdCommand:
		s.cmdSet = true
		return []state.Change{state.Cmd(s.argv(c.ShellDependantCmdLine))}, nil
	case *instructions.EntrypointCommand:
		changes := []state.Change{state.Entrypoint(s.argv(c.ShellDependantCmdLine))}
		if !s.cmdSet {
			// As Docker and buildah: a new entrypoint does not take the base
			// image's arguments; a CMD of this stage is kept.
			changes = append(changes, state.ResetCmd())
		}
		return changes, nil
	case *instructions.StopSignalCommand:
		return []state.Change{state.StopSignal(c.Signal)}, state.CheckStopSignal(c.Signal)
	case *instructions.ShellCommand:
		return []state.Change{state.Shell(c.Shell)}, nil
	case *instructions.OnbuildCommand:
		return []state.Change{state.OnBuild(c.Expression)}, nil
	case *instructions.MaintainerCommand:
		return []state.Change{state.Author(c.Maintainer)}, nil
	case *instructions.HealthCheckCommand:
		return []state.Change{state.Healthcheck(health(c))}, nil
	}
	return nil, fmt.Errorf("instruction %s is not supported", cmd.Name())
}

func health(c *instructions.HealthCheckCommand) *state.HealthConfig {
	h := c.Health
	if len(h.Test) == 0 || h.Test[0] == "NONE" {
		return nil
	}
	return &state.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
}

// argv is a command line in exec form, or run by the stage's SHELL.
func (s *stage) argv(cl instructions.ShellDependantCmdLine) []string {
	if !cl.PrependShell {
		return cl.CmdLine
	}
	shell := s.c.Docker.Shell
	if len(shell) == 0 {
		shell = []string{"/bin/sh", "-c"}
	}
	if len(cl.CmdLine) == 0 {
		// An empty RUN runs the shell with nothing to run, as buildah
		// does ("/bin/sh: -c requires an argument", status 2).
		return append([]string{}, shell...)
	}
	return append(append([]string{}, shell...), strings.Join(cl.CmdLine, " "))
}

// workdir is WORKDIR's directory: an absolute path replaces the current
// one, a relative path is taken from it.
func workdir(current, dir string) string {
	if path.IsAbs(dir) {
		return path.Clean(dir)
	}
	return path.Join("/", current, dir)
}
