package mount

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// InRoot is where p (a path in the container) leads inside root, as an
// absolute path in the container: symbolic links on the way are followed
// without leaving root, dangling ones too (a mount point, WORKDIR or
// VOLUME under such a link is made at its target, as runtimes, buildah and
// Docker do).
func InRoot(root, p string) (string, error) {
	resolved, err := securejoin.SecureJoin(root, p)
	if err != nil {
		return "", err
	}
	return path.Join("/", filepath.ToSlash(strings.TrimPrefix(resolved, root))), nil
}

// Within returns host path p relative to dir, or an error naming both when
// p lies outside dir: the check behind copy --contextdir and run
// --contextdir. Symbolic links are not followed here; callers resolve the
// result inside dir.
func Within(dir, p string) (string, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", &OutsideError{Path: abs, Dir: root}
	}
	return rel, nil
}

// OutsideError is a host path outside the directory it must lie in.
type OutsideError struct{ Path, Dir string }

func (e *OutsideError) Error() string {
	return fmt.Sprintf("%s is outside of the context directory %s", e.Path, e.Dir)
}
