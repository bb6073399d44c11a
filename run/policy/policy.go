// Package policy holds the run settings that views of a container show
// without running anything (inspect): the isolation and the capabilities a
// run keeps by default. It links no container library, so the front binary
// (cmd/hod) can serve inspect.
package policy

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hodbuild/hod/storage/storeconf"
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
// or --cap-drop, as buildah and podman take it: containers.conf's
// [containers] default_capabilities, else containers/common's built-in
// list (CapEff 800405fb). Neither has CAP_MKNOD, CAP_NET_RAW or
// CAP_AUDIT_WRITE, which runtime-tools' default adds.
func DefaultCapabilities() []string {
	if caps := storeconf.RunConf().Containers.DefaultCapabilities; caps != nil {
		out := make([]string, len(caps))
		for i, c := range caps {
			out[i] = strings.ToUpper(c)
			if !strings.HasPrefix(out[i], "CAP_") {
				out[i] = "CAP_" + out[i]
			}
		}
		return out
	}
	return slices.Clone(builtinCapabilities)
}

var builtinCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
}
