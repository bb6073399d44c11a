package bud

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
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
		return nil, fmt.Errorf("preprocess %s with cpp: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
