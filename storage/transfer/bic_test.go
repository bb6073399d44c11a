package transfer

import (
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache/memory"
	"go.podman.io/image/v5/pkg/blobinfocache/sqlite"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"
)

// TestBlobInfoCacheReflection checks noteCompressor and knownBlob against
// the caches containers/image makes: a layer whose only blob at the
// registry has no known compressor is not known as zstd or gzip, though
// the public question says the registry has a blob of it; once a zstd blob
// is noted, a push requiring zstd (or requiring nothing) into an OCI
// manifest would reuse it, one requiring gzip or making a schema 2
// manifest would not.
func TestBlobInfoCacheReflection(t *testing.T) {
	persistent, err := sqlite.New(filepath.Join(t.TempDir(), "cache.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		cache types.BlobInfoCache
	}{
		{"sqlite", persistent},
		{"memory", memory.New()},
	} {
		t.Run(c.name, func(t *testing.T) {
			scope := types.BICTransportScope{Opaque: "registry.example"}
			other := types.BICTransportScope{Opaque: "elsewhere.example"}
			here := types.BICLocationReference{Opaque: "registry.example/app"}
			diffID, gz, zst := digest.FromString("layer"), digest.FromString("gzip blob"), digest.FromString("zstd blob")
			oci, v2s2 := []string{ispec.MediaTypeImageManifest}, []string{manifest.DockerV2Schema2MediaType}
			zstd, gzip := compression.Zstd, compression.Gzip
			if knownBlob(c.cache, docker.Transport, scope, diffID, nil, oci) {
				t.Fatal("an empty cache knows a blob")
			}
			c.cache.RecordDigestUncompressedPair(gz, diffID)
			c.cache.RecordKnownLocation(docker.Transport, scope, gz, here)
			if len(c.cache.CandidateLocations(docker.Transport, scope, diffID, true)) == 0 {
				t.Fatal("the public question does not find the recorded blob")
			}
			if knownBlob(c.cache, docker.Transport, scope, diffID, &zstd, oci) || knownBlob(c.cache, docker.Transport, scope, diffID, &gzip, oci) {
				t.Error("a blob of unknown compression is known as zstd or gzip")
			}
			c.cache.RecordDigestUncompressedPair(zst, diffID)
			c.cache.RecordKnownLocation(docker.Transport, scope, zst, here)
			if !noteCompressor(c.cache, zst, zstd.Name()) {
				t.Fatal("the cache has no RecordDigestCompressorData hod can call")
			}
			for _, k := range []struct {
				name     string
				required *compression.Algorithm
				formats  []string
				want     bool
			}{
				{"zstd into OCI", &zstd, oci, true},
				{"any into OCI", nil, oci, true},
				{"gzip into OCI", &gzip, oci, false},
				{"zstd into schema 2", &zstd, v2s2, false},
			} {
				if got := knownBlob(c.cache, docker.Transport, scope, diffID, k.required, k.formats); got != k.want {
					t.Errorf("%s: known %v, want %v", k.name, got, k.want)
				}
			}
			if knownBlob(c.cache, docker.Transport, other, diffID, &zstd, oci) {
				t.Error("a blob is known at a registry it was not pushed to")
			}
		})
	}
}
