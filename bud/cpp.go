package bud

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/sirupsen/logrus"
)

// preprocess runs a Containerfile whose name ends in ".in" through the C
// preprocessor, as buildah does: #include finds files in the build context,
// $BUILDAH_CPPFLAGS (split at spaces) and --cpp-flag add flags. Other files are unchanged.
func preprocess(name string, text []byte, opts Options) ([]byte, error) {
	if !strings.HasSuffix(name, ".in") {
		return text, nil
	}
	args := []string{"-E", "-iquote", opts.ContextDir, "-traditional", "-undef", "-"}
	args = append(args, strings.Fields(os.Getenv("BUILDAH_CPPFLAGS"))...)
	args = append(args, opts.CPPFlags...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("cpp", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(text), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// As buildah: cpp's complaints are warnings while it still
		// produced something (Containerfile "#" comments are invalid
		// directives to it); no output at all is an error. Stricter than
		// buildah: a fatal error (a missing #include) stopped cpp part
		// way, and a truncated Containerfile is not built.
		if stdout.Len() == 0 || strings.Contains(stderr.String(), "fatal error") {
			return nil, fmt.Errorf("preprocess %s with cpp: preprocessor produced no output: %w: %s", name, err, strings.TrimSpace(stderr.String()))
		}
		if stderr.Len() != 0 {
			logrus.Warnf("Ignoring %s", stderr.String())
		}
	}
	return stdout.Bytes(), nil
}
