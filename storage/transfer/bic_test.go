package transfer

import (
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/pkg/blobinfocache/memory"
	"go.podman.io/image/v5/pkg/blobinfocache/sqlite"
	"go.podman.io/image/v5/types"
)

// TestBlobInfoCacheReflection checks noteCompressor and knownZstd against
// the caches containers/image makes: a layer whose only blob at the
// registry has no known compressor (a gzip push's, say) is not known as
// zstd, though the public question says the registry has a blob of it; once
// a zstd blob is noted, it is.
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
			if knownZstd(c.cache, docker.Transport, scope, diffID) {
				t.Fatal("an empty cache knows a blob")
			}
			c.cache.RecordDigestUncompressedPair(gz, diffID)
			c.cache.RecordKnownLocation(docker.Transport, scope, gz, here)
			if len(c.cache.CandidateLocations(docker.Transport, scope, diffID, true)) == 0 {
				t.Fatal("the public question does not find the recorded blob")
			}
			if knownZstd(c.cache, docker.Transport, scope, diffID) {
				t.Error("a blob of unknown compression is known as zstd")
			}
			c.cache.RecordDigestUncompressedPair(zst, diffID)
			c.cache.RecordKnownLocation(docker.Transport, scope, zst, here)
			if !noteCompressor(c.cache, zst) {
				t.Fatal("the cache has no RecordDigestCompressorData hod can call")
			}
			if !knownZstd(c.cache, docker.Transport, scope, diffID) {
				t.Error("a noted zstd blob is not known as zstd")
			}
			if knownZstd(c.cache, docker.Transport, other, diffID) {
				t.Error("a blob is known at a registry it was not pushed to")
			}
		})
	}
}
