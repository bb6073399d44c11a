package policy

import (
	"slices"
	"testing"
)

func TestParseIsolation(t *testing.T) {
	for in, want := range map[string]Isolation{"": IsolationOCI, "oci": IsolationOCI, "rootless": IsolationOCI, "chroot": IsolationChroot} {
		if got, err := ParseIsolation(in); err != nil || got != want {
			t.Errorf("ParseIsolation(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseIsolation("vm"); err == nil {
		t.Error("ParseIsolation(vm) accepted")
	}
}

// buildah 1.28's default capabilities, which inspect shows.
func TestDefaultCapabilities(t *testing.T) {
	caps := DefaultCapabilities()
	for _, c := range []string{"CAP_CHOWN", "CAP_SETUID", "CAP_NET_BIND_SERVICE", "CAP_KILL"} {
		if !slices.Contains(caps, c) {
			t.Errorf("%s missing from %v", c, caps)
		}
	}
	if slices.Contains(caps, "CAP_SYS_ADMIN") {
		t.Errorf("CAP_SYS_ADMIN in %v", caps)
	}
}
