package transfer

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/types"
)

// A fetched blob is decompressed once and checked whole: its digest and
// size cover every byte the registry sent, trailing bytes after the
// compressed stream included, and a mismatch is an error.
func TestCheckedBlob(t *testing.T) {
	payload := []byte(strings.Repeat("layer bytes ", 1000))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(payload)
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	zst := enc.EncodeAll(payload, nil)
	// A second gzip member is part of the stream (gzip -dc reads it).
	var empty bytes.Buffer
	zw = gzip.NewWriter(&empty)
	zw.Close()
	twoMembers := append(append([]byte{}, gz.Bytes()...), empty.Bytes()...)
	info := func(blob []byte) types.BlobInfo {
		return types.BlobInfo{Digest: digest.FromBytes(blob), Size: int64(len(blob))}
	}
	for _, tc := range []struct {
		name    string
		sent    []byte
		want    types.BlobInfo
		wantErr string
	}{
		{name: "gzip", sent: gz.Bytes(), want: info(gz.Bytes())},
		{name: "zstd", sent: zst, want: info(zst)},
		{name: "uncompressed", sent: payload, want: info(payload)},
		{name: "every member is hashed", sent: twoMembers, want: info(twoMembers)},
		{name: "another blob", sent: twoMembers, want: info(gz.Bytes()), wantErr: "digest"},
		{name: "size unknown", sent: gz.Bytes(), want: types.BlobInfo{Digest: digest.FromBytes(gz.Bytes()), Size: -1}},
		{name: "wrong size", sent: gz.Bytes(), want: types.BlobInfo{Digest: digest.FromBytes(gz.Bytes()), Size: 1}, wantErr: "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newCheckedBlob(io.NopCloser(bytes.NewReader(tc.sent)))
			r, err := b.decompressed()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			if !bytes.Equal(got, payload) {
				t.Errorf("decompressed %d bytes, want the %d of the payload", len(got), len(payload))
			}
			err = b.check(tc.want)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("check: %v, want an error naming %q", err, tc.wantErr)
			}
		})
	}
}
