package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A slirp4netns that fails says why in hod's error, not only that the
// namespace was not configured.
func TestConnectReportsSlirpFailure(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\necho 'open(\"/dev/net/tun\"): No such device' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "slirp4netns"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	_, err := connect(filepath.Join(t.TempDir(), "netns"), 0)
	if err == nil || !strings.Contains(err.Error(), "did not configure the network namespace (exit status 1)") || !strings.Contains(err.Error(), "/dev/net/tun\"): No such device") {
		t.Errorf("error %v, want slirp4netns's own words and status", err)
	}
}
