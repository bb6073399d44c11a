package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"

	"github.com/hodbuild/hod/run/policy"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// hookFile is an OCI hook declaration in the hooks.d format of
// oci-hooks(5), version 1.0.0.
type hookFile struct {
	Version string     `json:"version"`
	Hook    rspec.Hook `json:"hook"`
	When    struct {
		Always        *bool             `json:"always"`
		Annotations   map[string]string `json:"annotations"`
		Commands      []string          `json:"commands"`
		HasBindMounts *bool             `json:"hasBindMounts"`
		Or            bool              `json:"or"`
	} `json:"when"`
	Stages []string `json:"stages"`
}

var hookStages = []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}

// addHooks adds the hooks declared in dirs' *.json files that match s to
// s. A file in a later directory replaces one of the same name in an
// earlier one; hooks of a stage run in file-name order.
func addHooks(s *rspec.Spec, dirs []string) error {
	if err := checkHooksDirs(dirs); err != nil {
		return err
	}
	files := map[string]string{}
	for _, dir := range dirs {
		matches, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return err
		}
		for _, m := range matches {
			files[filepath.Base(m)] = m
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h, err := readHook(files[n])
		if err != nil {
			return err
		}
		ok, err := h.matches(s)
		if err != nil {
			return fmt.Errorf("hook %s: %w", files[n], err)
		}
		if ok {
			h.addTo(s)
		}
	}
	return nil
}

// CheckHooks refuses --hooks-dir values a run could not use: missing
// directories, or any with chroot isolation, which has no runtime to run
// hooks. bud checks before it builds; each run checks again.
func CheckHooks(isolation policy.Isolation, dirs []string) error {
	if len(dirs) > 0 && isolation == policy.IsolationChroot {
		return errors.New("--hooks-dir needs --isolation oci: hooks are run by the OCI runtime")
	}
	return checkHooksDirs(dirs)
}

func checkHooksDirs(dirs []string) error {
	for _, dir := range dirs {
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("--hooks-dir: %w", err)
		}
	}
	return nil
}

func readHook(path string) (*hookFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h hookFile
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("hook %s: %w", path, err)
	}
	switch {
	case h.Version != "1.0.0":
		err = fmt.Errorf("version %q, want 1.0.0", h.Version)
	case !filepath.IsAbs(h.Hook.Path):
		err = fmt.Errorf("hook.path %q is not absolute", h.Hook.Path)
	case len(h.Stages) == 0:
		err = errors.New("no stages")
	case h.When.Always == nil && h.When.HasBindMounts == nil && len(h.When.Annotations) == 0 && len(h.When.Commands) == 0:
		err = errors.New("no when condition")
	}
	for _, st := range h.Stages {
		if err == nil && !slices.Contains(hookStages, st) {
			err = fmt.Errorf("unknown stage %q", st)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("hook %s: %w", path, err)
	}
	return &h, nil
}

// matches applies the when conditions that are set: all of them, or with
// "or" any of them.
func (h *hookFile) matches(s *rspec.Spec) (bool, error) {
	var results []bool
	if h.When.Always != nil {
		results = append(results, *h.When.Always)
	}
	if h.When.HasBindMounts != nil {
		bind := slices.ContainsFunc(s.Mounts, func(m rspec.Mount) bool {
			return m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")
		})
		results = append(results, bind == *h.When.HasBindMounts)
	}
	for k, v := range h.When.Annotations {
		ok, err := anyAnnotation(s.Annotations, k, v)
		if err != nil {
			return false, err
		}
		results = append(results, ok)
	}
	if len(h.When.Commands) > 0 {
		ok := false
		for _, c := range h.When.Commands {
			re, err := regexp.Compile(c)
			if err != nil {
				return false, fmt.Errorf("when.commands %q: %w", c, err)
			}
			ok = ok || s.Process != nil && len(s.Process.Args) > 0 && re.MatchString(s.Process.Args[0])
		}
		results = append(results, ok)
	}
	if h.When.Or {
		return slices.Contains(results, true), nil
	}
	return !slices.Contains(results, false), nil
}

func anyAnnotation(annotations map[string]string, key, value string) (bool, error) {
	kre, err := regexp.Compile(key)
	if err != nil {
		return false, fmt.Errorf("when.annotations key %q: %w", key, err)
	}
	vre, err := regexp.Compile(value)
	if err != nil {
		return false, fmt.Errorf("when.annotations value %q: %w", value, err)
	}
	for k, v := range annotations {
		if kre.MatchString(k) && vre.MatchString(v) {
			return true, nil
		}
	}
	return false, nil
}

func (h *hookFile) addTo(s *rspec.Spec) {
	if s.Hooks == nil {
		s.Hooks = &rspec.Hooks{}
	}
	for _, st := range h.Stages {
		switch st {
		case "prestart":
			s.Hooks.Prestart = append(s.Hooks.Prestart, h.Hook) //nolint:staticcheck // still what runc runs
		case "createRuntime":
			s.Hooks.CreateRuntime = append(s.Hooks.CreateRuntime, h.Hook)
		case "createContainer":
			s.Hooks.CreateContainer = append(s.Hooks.CreateContainer, h.Hook)
		case "startContainer":
			s.Hooks.StartContainer = append(s.Hooks.StartContainer, h.Hook)
		case "poststart":
			s.Hooks.Poststart = append(s.Hooks.Poststart, h.Hook)
		case "poststop":
			s.Hooks.Poststop = append(s.Hooks.Poststop, h.Hook)
		}
	}
}
