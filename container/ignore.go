package container

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher/ignorefile"
)

// ReadIgnore reads .dockerignore-style patterns from ignoreFile, or else
// from the first of candidates in contextDir that exists (by default
// .containerignore, then .dockerignore). No file means no patterns.
func ReadIgnore(contextDir, ignoreFile string, candidates ...string) ([]string, error) {
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
			return nil, fmt.Errorf("read ignore file: %w", err)
		}
		defer f.Close()
		patterns, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("read ignore file %s: %w", name, err)
		}
		return patterns, nil
	}
	return nil, nil
}
