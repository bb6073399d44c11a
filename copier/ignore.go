package copier

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/mount"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ReadIgnore reads .dockerignore-style patterns from ignoreFile, or else
// from the first of candidates in contextDir that exists (by default
// .containerignore, then .dockerignore). No file means no patterns. Every
// pattern is compiled here, so a bad one is reported as FILE:LINE before
// anything is built. from is the file read, "" for none.
func ReadIgnore(contextDir, ignoreFile string, candidates ...string) (patterns []string, from string, err error) {
	files := []string{ignoreFile}
	if ignoreFile == "" && contextDir != "" {
		if len(candidates) == 0 {
			candidates = []string{".containerignore", ".dockerignore"}
		}
		files = nil
		for _, c := range candidates {
			files = append(files, filepath.Join(contextDir, c))
		}
	}
	for _, name := range files {
		if name == "" {
			continue
		}
		f, err := os.Open(name)
		if os.IsNotExist(err) && ignoreFile == "" {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("read ignore file: %w", err)
		}
		defer f.Close()
		patterns, err := ParseIgnore(name, f)
		return patterns, name, err
	}
	return nil, "", nil
}

// ParseIgnore reads the patterns of an ignore file called name, line by
// line, so an error names the line.
func ParseIgnore(name string, r io.Reader) ([]string, error) {
	var patterns []string
	scanner := bufio.NewScanner(r)
	for line := 1; scanner.Scan(); line++ {
		found, err := ignorefile.ReadAll(strings.NewReader(scanner.Text()))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		for _, p := range found {
			if err := checkPattern(p); err != nil {
				return nil, fmt.Errorf("%s:%d: bad pattern %q: %w", name, line, p, err)
			}
		}
		patterns = append(patterns, found...)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("read ignore file %s: %w", name, err)
	}
	return patterns, nil
}

// NewMatcher compiles ignore patterns (ignore files, --exclude): the one
// place they are checked, including the regular expression patternmatcher
// would otherwise build only when it first matches.
func NewMatcher(patterns []string) (*patternmatcher.PatternMatcher, error) {
	for _, p := range patterns {
		if err := checkPattern(p); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", p, err)
		}
	}
	return patternmatcher.New(patterns)
}

// checkPattern compiles p as given ("!" alone is refused), then as an
// inclusion, which is what makes patternmatcher build its expression.
func checkPattern(p string) error {
	if _, err := patternmatcher.New([]string{p}); err != nil {
		return err
	}
	pm, err := patternmatcher.New([]string{strings.TrimPrefix(strings.TrimSpace(p), "!")})
	if err != nil {
		return err
	}
	_, err = pm.MatchesOrParentMatches("a/b")
	return err
}

// ContextSources confines host sources to contextDir (copy --contextdir):
// each, relative to the working directory or absolute, must lie inside
// it, and comes back relative to it, for Options.Confine to resolve there
// (so no symlink leads out either). URLs pass as they are.
func ContextSources(contextDir string, sources []string) ([]string, error) {
	out := make([]string, len(sources))
	for i, src := range sources {
		if isURL(src) {
			out[i] = src
			continue
		}
		rel, err := mount.Within(contextDir, src)
		var outside *mount.OutsideError
		if errors.As(err, &outside) {
			// buildah's words.
			return nil, fmt.Errorf("possible escaping context directory error: %q is outside of %q", outside.Path, outside.Dir)
		}
		if err != nil {
			return nil, err
		}
		out[i] = rel
	}
	return out, nil
}
