package run

import "testing"

func TestParseValues(t *testing.T) {
	for in, want := range map[string]Isolation{"": IsolationOCI, "oci": IsolationOCI, "rootless": IsolationOCI, "chroot": IsolationChroot} {
		if got, err := ParseIsolation(in); err != nil || got != want {
			t.Errorf("ParseIsolation(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]Network{"": NetworkPrivate, "default": NetworkPrivate, "none": NetworkNone, "host": NetworkHost} {
		if got, err := ParseNetwork(in); err != nil || got != want {
			t.Errorf("ParseNetwork(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseIsolation("vm"); err == nil {
		t.Error("ParseIsolation(vm) accepted")
	}
	if _, err := ParseNetwork("bridge0"); err == nil {
		t.Error("ParseNetwork(bridge0) accepted")
	}
}
