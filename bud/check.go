package bud

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hodbuild/hod/container/state"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/copier"
	"github.com/hodbuild/hod/storage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// parse reads a Dockerfile into stages and global ARGs and checks every
// instruction's flags, so a bad one anywhere fails the build before
// anything is built. Errors are FILE:LINE.
func parse(file string, text []byte) ([]instructions.Stage, []instructions.ArgCommand, map[int]string, error) {
	result, err := parser.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, nil, nil, located(file, err)
	}
	messages := stepMessages(result.AST)
	dropBuildahMountFlags(result.AST)
	slashStageNames(result.AST)
	stages, metaArgs, err := instructions.Parse(result.AST, nil)
	if err != nil {
		return nil, nil, nil, located(file, copyFlagError(result.AST, err))
	}
	for _, s := range stages {
		if err := checkPlatform(s.Platform); err != nil {
			return nil, nil, nil, fmt.Errorf("%s:%d: FROM: %w", file, line(s.Location), err)
		}
		for _, cmd := range s.Commands {
			if err := check(cmd); err != nil {
				return nil, nil, nil, at(file, cmd, err)
			}
		}
	}
	return stages, metaArgs, messages, nil
}

// check validates the flags of one instruction that hold no variable
// (those are checked once expanded, when the instruction runs).
func check(cmd instructions.Command) error {
	switch c := cmd.(type) {
	case *instructions.CopyCommand:
		return checkCopy(c.Chown, c.Chmod, "")
	case *instructions.AddCommand:
		return checkCopy(c.Chown, c.Chmod, c.Checksum)
	case *instructions.ExposeCommand:
		for _, p := range c.Ports {
			if err := fixed(p, state.CheckPort); err != nil {
				return err
			}
		}
	case *instructions.StopSignalCommand:
		return fixed(c.Signal, state.CheckStopSignal)
	}
	return nil
}

func checkCopy(chown, chmod, checksum string) error {
	if chown != "" {
		if err := fixed(chown, container.CheckOwner); err != nil {
			return fmt.Errorf("parse --chown %q: %w", chown, err)
		}
	}
	if err := fixed(chmod, func(s string) error { _, err := copier.ParseChmod(s); return err }); err != nil {
		return err
	}
	return fixed(checksum, func(s string) error { _, err := copier.ParseChecksum(s); return err })
}

// fixed applies check to a value unless it refers to a variable.
func fixed(value string, check func(string) error) error {
	if strings.Contains(value, "$") {
		return nil
	}
	return check(value)
}

// checkPlatform checks FROM --platform's OS/ARCH[/VARIANT].
func checkPlatform(p string) error {
	return fixed(p, func(p string) error {
		if p == "" {
			return nil
		}
		_, err := storage.ParsePlatform(p)
		return err
	})
}

// stepMessages are the instructions as buildah names them in "building at
// STEP" errors, by line: the keyword in capitals, its flags, and its
// arguments as the parser split them, joined by spaces ("VOLUME /a /b" for
// VOLUME ["/a", "/b"]).
func stepMessages(root *parser.Node) map[int]string {
	out := make(map[int]string, len(root.Children))
	for _, n := range root.Children {
		words := append([]string{strings.ToUpper(n.Value)}, n.Flags...)
		for a := n.Next; a != nil; a = a.Next {
			words = append(words, a.Value)
		}
		out[n.StartLine] = strings.Join(words, " ")
	}
	return out
}

// buildahMountFlags are RUN --mount fields buildah takes that buildkit's
// parser refuses: SELinux relabelling (z, Z: nothing to do on this host),
// ownership (U) and tmpfs copy-up.
var buildahMountFlags = map[string]bool{"z": true, "Z": true, "U": true, "tmpcopyup": true, "notmpcopyup": true}

// dropBuildahMountFlags removes buildahMountFlags from RUN --mount values,
// so Containerfiles written for buildah parse.
func dropBuildahMountFlags(root *parser.Node) {
	for _, n := range root.Children {
		for i, f := range n.Flags {
			value, ok := strings.CutPrefix(f, "--mount=")
			if !ok {
				continue
			}
			fields := strings.Split(value, ",")
			fields = slices.DeleteFunc(fields, func(s string) bool { return buildahMountFlags[strings.TrimSpace(s)] })
			n.Flags[i] = "--mount=" + strings.Join(fields, ",")
		}
	}
}

// copyFlagError words a bad COPY or ADD flag as buildah does ("COPY only
// supports the --chmod=<permissions> --chown=<uid:gid> and the
// --from=<image|stage> flags", "ADD only supports the --chmod=<permissions>
// and the --chown=<uid:gid> flags"), keeping the parser's own words after it.
func copyFlagError(root *parser.Node, err error) error {
	var loc *parser.LocationError
	if !errors.As(err, &loc) || len(loc.Locations) == 0 || len(loc.Locations[0]) == 0 || !strings.Contains(err.Error(), "flag") {
		return err
	}
	line := loc.Locations[0][0].Start.Line
	for _, n := range root.Children {
		if n.StartLine != line {
			continue
		}
		switch strings.ToLower(n.Value) {
		case "copy":
			return fmt.Errorf("COPY only supports the --chmod=<permissions> --chown=<uid:gid> and the --from=<image|stage> flags: %w", err)
		case "add":
			return fmt.Errorf("ADD only supports the --chmod=<permissions> and the --chown=<uid:gid> flags: %w", err)
		}
	}
	return err
}

// stageSlash stands for "/" in a stage name: buildah takes names such as
// "platform-arm/v7" (FROM x AS platform-$TARGETARCH$TARGETVARIANT), which
// buildkit's parser refuses. Lookups of stage names (stageName) spell
// them the same way.
const stageSlash = ".slash."

func slashStageNames(root *parser.Node) {
	for _, n := range root.Children {
		if !strings.EqualFold(n.Value, "from") || n.Next == nil || n.Next.Next == nil || n.Next.Next.Next == nil {
			continue
		}
		if as, name := n.Next.Next, n.Next.Next.Next; strings.EqualFold(as.Value, "as") {
			name.Value = strings.ReplaceAll(name.Value, "/", stageSlash)
		}
	}
}

// stageName is how a stage name is looked up: lower case, "/" spelled as
// in slashStageNames.
func stageName(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "/", stageSlash))
}
