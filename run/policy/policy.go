// Package policy holds the run settings that views of a container show
// without running anything (inspect): the isolation and the capabilities a
// run keeps by default. It links no container library, so the front binary
// (cmd/hod) can serve inspect.
package policy

import (
	"cmp"
	"fmt"
	"os"

	"github.com/opencontainers/runtime-tools/generate"
)

// Isolation is how a command is isolated: through an OCI runtime, or by
// hod itself (chroot). The zero value is IsolationOCI.
type Isolation string

// Isolations.
const (
	IsolationOCI    Isolation = "oci"
	IsolationChroot Isolation = "chroot"
)

// ParseIsolation parses --isolation (and HOD_ISOLATION, BUILDAH_ISOLATION).
// buildah's "rootless" is the OCI runtime, as it is for buildah.
func ParseIsolation(s string) (Isolation, error) {
	switch s {
	case "", "oci", "rootless":
		return IsolationOCI, nil
	case "chroot":
		return IsolationChroot, nil
	}
	return "", fmt.Errorf("unrecognized isolation type %q", s) // buildah's words
}

// EnvIsolation is the isolation HOD_ISOLATION (else BUILDAH_ISOLATION) sets.
func EnvIsolation() (Isolation, error) {
	return ParseIsolation(cmp.Or(os.Getenv("HOD_ISOLATION"), os.Getenv("BUILDAH_ISOLATION")))
}

// DefaultCapabilities is the capability set a run keeps without --cap-add
// or --cap-drop: the OCI runtime tools' default, which runs start from.
func DefaultCapabilities() []string {
	g, err := generate.New("linux")
	if err != nil {
		return nil
	}
	return g.Config.Process.Capabilities.Bounding
}
