package cmd

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// buildah's hidden --cpu-profile and --memory-profile write pprof
// profiles of the call, and stay out of --help.
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	root, done := New()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"--cpu-profile", cpu, "--memory-profile", mem, "version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	done()
	for _, p := range []string{cpu, mem} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		// pprof's format: gzipped protocol buffers.
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if b, err := io.ReadAll(zr); err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", p, len(b), err)
		}
		f.Close()
	}
	out.Reset()
	root, done = New()
	defer done()
	root.SetOut(&out)
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("profile")) {
		t.Errorf("--help shows the hidden profile flags:\n%s", out.String())
	}
}
