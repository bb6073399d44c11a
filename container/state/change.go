package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Change is one edit of a working container's image configuration. The
// same Changes serve "hod config" and Dockerfile instructions, so the two
// cannot drift apart.
type Change struct {
	// instruction is the Dockerfile spelling recorded in history; empty for
	// changes that describe the image rather than configure it.
	instruction string
	edit        func(*State)
}

// Apply makes the changes and records one empty-layer history entry for them.
func (st *State) Apply(changes ...Change) {
	var instructions []string
	for _, ch := range changes {
		ch.edit(st)
		if ch.instruction != "" {
			instructions = append(instructions, ch.instruction)
		}
	}
	st.record(instructions)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Each makes one Change per value: the EXPOSE ports, VOLUME paths or
// --unsetlabel keys of one instruction or flag.
func Each(values []string, change func(string) Change) []Change {
	out := make([]Change, len(values))
	for i, v := range values {
		out[i] = change(v)
	}
	return out
}

// Env sets an environment variable.
func Env(key, value string) Change {
	return Change{"ENV " + key + "=" + value, func(st *State) {
		st.Config.Config.Env = SetEnv(st.Config.Config.Env, key, value)
	}}
}

// DefaultEnv sets an environment variable without a history entry: a
// default of the base, as the PATH buildah gives a build FROM scratch.
func DefaultEnv(key, value string) Change {
	return Change{"", func(st *State) { st.Config.Config.Env = SetEnv(st.Config.Config.Env, key, value) }}
}

// UnsetEnv removes an environment variable.
func UnsetEnv(key string) Change {
	return Change{"", func(st *State) {
		st.Config.Config.Env = slices.DeleteFunc(st.Config.Config.Env, func(kv string) bool {
			return strings.SplitN(kv, "=", 2)[0] == key
		})
	}}
}

// SetEnv sets key to value in an environment list (KEY=VALUE entries),
// replacing an earlier value; env itself is not modified.
func SetEnv(env []string, key, value string) []string {
	for i, kv := range env {
		if strings.SplitN(kv, "=", 2)[0] == key {
			env = slices.Clone(env)
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}

// Entrypoint sets the entrypoint; a nil argv clears it.
func Entrypoint(argv []string) Change {
	return Change{"ENTRYPOINT " + jsonText(argv), func(st *State) { st.Config.Config.Entrypoint = argv }}
}

// Cmd sets the default command; a nil argv clears it.
func Cmd(argv []string) Change {
	return Change{"CMD " + jsonText(argv), func(st *State) { st.Config.Config.Cmd = argv }}
}

// ResetCmd drops an inherited default command, recording no history of
// its own: what a Dockerfile's ENTRYPOINT does when no CMD came before it.
func ResetCmd() Change {
	return Change{"", func(st *State) { st.Config.Config.Cmd = nil }}
}

// Label sets a label.
func Label(key, value string) Change {
	return Change{"LABEL " + key + "=" + value, func(st *State) {
		st.Config.Config.Labels = with(st.Config.Config.Labels, key, value)
	}}
}

// UnsetLabel removes a label.
func UnsetLabel(key string) Change {
	return Change{"", func(st *State) { delete(st.Config.Config.Labels, key) }}
}

// Annotation sets a manifest annotation.
func Annotation(key, value string) Change {
	return Change{"", func(st *State) { st.Annotations = with(st.Annotations, key, value) }}
}

// UnsetAnnotation removes a manifest annotation.
func UnsetAnnotation(key string) Change {
	return Change{"", func(st *State) { delete(st.Annotations, key) }}
}

// with sets key in m, made if nil. Maps are changed in place (as the
// deletes do): a copy per change made a Containerfile of n LABEL lines
// cost n² (issue 20).
func with(m map[string]string, key, value string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[key] = value
	return m
}

// Port exposes a port ("8080/tcp", "53/udp"; "8080" is kept as given, as
// buildah's config keeps it, and means TCP).
func Port(port string) Change {
	return Change{"EXPOSE " + port, func(st *State) {
		st.Config.Config.ExposedPorts = set(st.Config.Config.ExposedPorts, port)
	}}
}

// CheckPort checks an exposed port: PORT[-END][/tcp|udp|sctp], ports 1-65535.
func CheckPort(port string) error {
	num, proto, hasProto := strings.Cut(port, "/")
	if hasProto && proto != "tcp" && proto != "udp" && proto != "sctp" {
		return fmt.Errorf("port %q: protocol must be tcp, udp or sctp", port)
	}
	first, last, isRange := strings.Cut(num, "-")
	start, err := strconv.ParseUint(first, 10, 16)
	end := start
	if err == nil && isRange {
		end, err = strconv.ParseUint(last, 10, 16)
	}
	if err != nil || start == 0 || end < start {
		return fmt.Errorf("port %q: want PORT[-END][/PROTO] with ports 1-65535", port)
	}
	return nil
}

// CheckStopSignal checks a stop signal: a name (SIGTERM, TERM, any case)
// or a number up to SIGRTMAX.
func CheckStopSignal(sig string) error {
	if n, err := strconv.Atoi(sig); err == nil {
		if n < 1 || n > 64 {
			return fmt.Errorf("stop signal %q: want a signal number 1-64", sig)
		}
		return nil
	}
	name := strings.ToUpper(sig)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if unix.SignalNum(name) == 0 && !strings.HasPrefix(name, "SIGRTMIN") && !strings.HasPrefix(name, "SIGRTMAX") {
		return fmt.Errorf("stop signal %q: no such signal", sig)
	}
	return nil
}

// Volume declares a volume.
func Volume(path string) Change {
	return Change{"VOLUME " + jsonText([]string{path}), func(st *State) {
		st.Config.Config.Volumes = set(st.Config.Config.Volumes, path)
	}}
}

func set(m map[string]struct{}, key string) map[string]struct{} {
	if m == nil {
		m = map[string]struct{}{}
	}
	m[key] = struct{}{}
	return m
}

// WorkDir sets the working directory.
func WorkDir(dir string) Change {
	return Change{"WORKDIR " + dir, func(st *State) { st.Config.Config.WorkingDir = dir }}
}

// User sets the user (and group) commands run as.
func User(user string) Change {
	return Change{"USER " + user, func(st *State) { st.Config.Config.User = user }}
}

// StopSignal sets the signal that stops a container of the image.
func StopSignal(sig string) Change {
	return Change{"STOPSIGNAL " + sig, func(st *State) { st.Config.Config.StopSignal = sig }}
}

// Shell sets the shell of shell-form commands (docker format only).
func Shell(argv []string) Change {
	return Change{"SHELL " + jsonText(argv), func(st *State) { st.Docker.Shell = argv }}
}

// OnBuild adds a trigger run by builds based on the image (docker format only).
func OnBuild(trigger string) Change {
	return Change{"ONBUILD " + trigger, func(st *State) { st.Docker.OnBuild = append(slices.Clone(st.Docker.OnBuild), trigger) }}
}

// ClearOnBuild removes all ONBUILD triggers.
func ClearOnBuild() Change {
	return Change{"", func(st *State) { st.Docker.OnBuild = nil }}
}

// Healthcheck sets the health check (docker format only); nil removes it.
func Healthcheck(hc *HealthConfig) Change {
	text := "HEALTHCHECK NONE"
	if hc != nil {
		text = "HEALTHCHECK " + jsonText(hc.Test)
	}
	return Change{text, func(st *State) { st.Docker.Healthcheck = hc }}
}

// Author sets the image's author.
func Author(a string) Change {
	return Change{"", func(st *State) { st.Config.Author = a }}
}

// Comment sets the image's comment (docker format only).
func Comment(s string) Change { return Change{"", func(st *State) { st.Docker.Comment = s }} }

// CreatedBy sets what the next commit's history entry says made the layer.
func CreatedBy(s string) Change { return Change{"", func(st *State) { st.CreatedBy = s }} }

// HistoryComment sets the comment of the next commit's history entry.
func HistoryComment(s string) Change {
	return Change{"", func(st *State) { st.HistoryComment = s }}
}

// Arch sets the image's architecture.
func Arch(a string) Change { return Change{"", func(st *State) { st.Config.Architecture = a }} }

// OSVersion sets the image's operating system version.
func OSVersion(v string) Change { return Change{"", func(st *State) { st.Config.OSVersion = v }} }

// OSFeature adds a required operating system feature ("NAME-" removes it).
func OSFeature(f string) Change {
	return Change{"", func(st *State) {
		if name, ok := strings.CutSuffix(f, "-"); ok {
			st.Config.OSFeatures = slices.DeleteFunc(slices.Clone(st.Config.OSFeatures), func(x string) bool { return x == name })
		} else if !slices.Contains(st.Config.OSFeatures, f) {
			st.Config.OSFeatures = append(slices.Clone(st.Config.OSFeatures), f)
		}
	}}
}

// OS sets the image's operating system.
func OS(o string) Change { return Change{"", func(st *State) { st.Config.OS = o }} }

// Variant sets the image's architecture variant.
func Variant(v string) Change { return Change{"", func(st *State) { st.Config.Variant = v }} }

// Hostname sets the default hostname (docker format only).
func Hostname(h string) Change { return Change{"", func(st *State) { st.Docker.Hostname = h }} }

// Domainname sets the default domain name (docker format only).
func Domainname(d string) Change { return Change{"", func(st *State) { st.Docker.Domainname = d }} }

// ParseCmd parses --cmd as buildah does: a JSON array, or else words split
// as a shell would (quotes group, backslashes escape), not run by a shell.
func ParseCmd(text string) ([]string, error) {
	if strings.HasPrefix(strings.TrimSpace(text), "[") {
		return ParseCommand(text, nil)
	}
	words, err := splitWords(text)
	if err != nil {
		return nil, fmt.Errorf("parse command %q: %w", text, err)
	}
	return words, nil
}

// splitWords splits text into shell words without expanding anything.
func splitWords(text string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord, quote, escaped := false, rune(0), false
	for _, r := range text {
		switch {
		case escaped:
			word.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, errors.New("unterminated quote or escape")
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// ParseCommand parses ENTRYPOINT/CMD text: a JSON array is exec form,
// anything else is shell form run by shell (default "/bin/sh -c").
// The empty string clears the setting, as buildah's --entrypoint "" does.
func ParseCommand(text string, shell []string) ([]string, error) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return nil, nil
	}
	if strings.HasPrefix(trimmed, "[") {
		var argv []string
		if err := json.Unmarshal([]byte(trimmed), &argv); err != nil {
			return nil, fmt.Errorf("parse command %q as a JSON array of strings: %w", text, err)
		}
		return argv, nil
	}
	if len(shell) == 0 {
		shell = []string{"/bin/sh", "-c"}
	}
	return append(slices.Clone(shell), text), nil
}

// ParseEnv parses one of config's --env values as buildah 1.28 does:
// "K=V" sets K to V with $VARs expanded against the environment as it
// stands at that point (a variable it lacks expands to its own name, with
// an error logged, as in buildah); "K" takes K's value from hod's own
// environment; "K-" removes K; "-" removes every variable.
func ParseEnv(spec string) (Change, error) {
	key, value, ok := strings.Cut(spec, "=")
	switch {
	case ok && key != "":
		return ExpandedEnv(key, value), nil
	case ok:
		return Change{}, fmt.Errorf("parse environment variable %q: want KEY=VALUE or KEY-", spec)
	case spec == "-":
		return ClearEnv(), nil
	case strings.HasSuffix(spec, "-"):
		return UnsetEnv(strings.TrimSuffix(spec, "-")), nil
	}
	v := os.Getenv(spec)
	if v == "" {
		return Change{}, fmt.Errorf("setting env %q: no value given", spec) // buildah's words
	}
	return Env(spec, v), nil
}

// ExpandedEnv sets key to value with $VARs in it expanded against the
// environment the change is applied to (buildah's config --env and bud
// --env).
func ExpandedEnv(key, value string) Change {
	return Change{"ENV " + key + "=" + value, func(st *State) {
		expanded := os.Expand(value, func(name string) string {
			for _, kv := range st.Config.Config.Env {
				if k, v, ok := strings.Cut(kv, "="); ok && k == name {
					return v
				}
			}
			logrus.Errorf("error expanding variable %q: no value set in configuration", name)
			return name
		})
		st.Config.Config.Env = SetEnv(st.Config.Config.Env, key, expanded)
	}}
}

// ClearEnv removes every environment variable.
func ClearEnv() Change {
	return Change{"", func(st *State) { st.Config.Config.Env = nil }}
}

// ParseLabel parses one of config's --label or --annotation values as
// buildah does: "K=V" and "K" (empty value) set, "K-" removes K and "-"
// removes them all. set, unset and clear make the changes.
func ParseLabel(spec string, set func(k, v string) Change, unset func(string) Change, clear Change) Change {
	key, value, ok := strings.Cut(spec, "=")
	switch {
	case ok:
		return set(key, value)
	case spec == "-":
		return clear
	case strings.HasSuffix(spec, "-"):
		return unset(strings.TrimSuffix(spec, "-"))
	}
	return set(spec, "")
}

// ClearLabels removes every label.
func ClearLabels() Change {
	return Change{"", func(st *State) { st.Config.Config.Labels = nil }}
}

// ClearAnnotations removes every manifest annotation.
func ClearAnnotations() Change {
	return Change{"", func(st *State) { st.Annotations = nil }}
}

// ParsePort parses one of config's --port values as buildah does: one
// that starts with "-" removes every exposed port, "P-" removes P, and
// anything else (checked: see CheckPort) exposes it.
func ParsePort(spec string) (Change, error) {
	switch {
	case strings.HasPrefix(spec, "-"):
		return ClearPorts(), nil
	case strings.HasSuffix(spec, "-"):
		return UnsetPort(strings.TrimSuffix(spec, "-")), nil
	}
	if err := CheckPort(spec); err != nil {
		return Change{}, err
	}
	return Port(spec), nil
}

// ClearPorts removes every exposed port.
func ClearPorts() Change {
	return Change{"", func(st *State) { st.Config.Config.ExposedPorts = nil }}
}

// UnsetPort stops exposing a port.
func UnsetPort(port string) Change {
	return Change{"", func(st *State) { delete(st.Config.Config.ExposedPorts, port) }}
}

// ParseVolume parses one of config's --volume values as buildah does: "-"
// removes every volume, "PATH-" removes PATH, anything else declares it.
func ParseVolume(spec string) Change {
	switch {
	case spec == "-":
		return Change{"", func(st *State) { st.Config.Config.Volumes = nil }}
	case strings.HasSuffix(spec, "-"):
		path := strings.TrimSuffix(spec, "-")
		return Change{"", func(st *State) { delete(st.Config.Config.Volumes, path) }}
	}
	return Volume(spec)
}

// ParseKeyValue parses a label or annotation "K=V" ("K" alone: empty value).
func ParseKeyValue(what, kv string) (key, value string, err error) {
	key, value, _ = strings.Cut(kv, "=")
	if key == "" {
		return "", "", fmt.Errorf("parse %s %q: want KEY=VALUE", what, kv)
	}
	return key, value, nil
}
