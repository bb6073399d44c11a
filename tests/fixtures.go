package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// busyboxApplets get symlinks in the fixture; the image's own tools.
var busyboxApplets = []string{"sh", "ls", "cat", "echo", "id", "pwd", "mkdir", "rm", "touch", "test", "grep", "env", "true", "false", "wc", "ln", "stat", "ip", "hostname", "sleep", "chown", "tail", "head"}

// writeBusyboxLayout writes an OCI layout at dir holding one image, tagged
// "latest", made of the host's busybox-static binary. It is written here,
// with archive/tar and plain JSON, so a bug in hod cannot hide in the
// fixture hod's tests start from.
func writeBusyboxLayout(dir, busybox string) error {
	layer, err := busyboxLayer(busybox)
	if err != nil {
		return err
	}
	cfg := ispec.ImageConfig{Env: []string{"PATH=/bin:/usr/bin"}, Cmd: []string{"/bin/sh"}, Labels: map[string]string{"fixture": "busybox"}}
	return writeLayout(dir, cfg, layer)
}

// writeLayout writes an OCI layout at dir holding one image, tagged
// "latest", of the given uncompressed layers (stored gzipped), bottom
// first.
func writeLayout(dir string, config ispec.ImageConfig, layers ...[]byte) error {
	created := time.Unix(0, 0).UTC()
	cfg := ispec.Image{
		Created:  &created,
		Platform: ispec.Platform{OS: "linux", Architecture: "amd64"},
		Config:   config,
		RootFS:   ispec.RootFS{Type: "layers"},
	}
	m := ispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ispec.MediaTypeImageManifest}
	var blobs [][]byte
	for i, raw := range layers {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		if _, err := zw.Write(raw); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(raw))
		cfg.History = append(cfg.History, ispec.History{Created: &created, CreatedBy: fmt.Sprintf("tests: layer %d", i)})
		m.Layers = append(m.Layers, blobDescriptor(ispec.MediaTypeImageLayerGzip, gz.Bytes()))
		blobs = append(blobs, gz.Bytes())
	}
	cfgBlob, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	m.Config = blobDescriptor(ispec.MediaTypeImageConfig, cfgBlob)
	mBlob, err := json.Marshal(m)
	if err != nil {
		return err
	}
	mDesc := blobDescriptor(ispec.MediaTypeImageManifest, mBlob)
	mDesc.Annotations = map[string]string{ispec.AnnotationRefName: "latest"}
	index, err := json.Marshal(ispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ispec.MediaTypeImageIndex, Manifests: []ispec.Descriptor{mDesc}})
	if err != nil {
		return err
	}
	for _, blob := range append(blobs, cfgBlob, mBlob) {
		if err := writeFile(filepath.Join(dir, "blobs", "sha256", digest.FromBytes(blob).Encoded()), blob); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "index.json"), index)
}

func blobDescriptor(mediaType string, blob []byte) ispec.Descriptor {
	return ispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(blob), Size: int64(len(blob))}
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// busyboxLayer returns the uncompressed layer.
func busyboxLayer(busybox string) ([]byte, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return nil, fmt.Errorf("read busybox (install busybox-static): %w", err)
	}
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	epoch := time.Unix(0, 0)
	add := func(h *tar.Header, body []byte) {
		h.ModTime = epoch
		_ = tw.WriteHeader(h)
		_, _ = tw.Write(body)
	}
	for _, d := range []string{"bin/", "etc/", "usr/", "usr/bin/"} {
		add(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755}, nil)
	}
	add(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, nil)
	add(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))}, bin)
	for _, a := range busyboxApplets {
		add(&tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}, nil)
	}
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n")
	group := []byte("root:x:0:\napp:x:1000:\nstaff:x:50:\n")
	add(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(passwd))}, passwd)
	add(&tar.Header{Name: "etc/group", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(group))}, group)
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return raw.Bytes(), nil
}
