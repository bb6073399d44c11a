package tarx

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
)

// Every entry and its content arrive, with the edit applied.
func TestCopy(t *testing.T) {
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	for _, name := range []string{"a", "b"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := tar.NewWriter(&out)
	if err := Copy(tar.NewReader(&in), w, func(h *tar.Header) { h.Name = "x/" + h.Name }); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&out)
	for _, want := range []string{"x/a", "x/b"} {
		h, err := tr.Next()
		if err != nil || h.Name != want {
			t.Fatalf("entry %v, %v; want %s", h, err, want)
		}
		data, _ := io.ReadAll(tr)
		if string(data) != want[2:] {
			t.Errorf("%s holds %q", want, data)
		}
	}
	if err := Copy(tar.NewReader(bytes.NewReader([]byte("not a tar archive at all, no"))), tar.NewWriter(io.Discard), func(*tar.Header) {}); err == nil {
		t.Error("garbage copied without an error")
	}
}
