package transfer

import (
	"reflect"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"
)

// containers/image's blob info cache knows which compressor made a blob,
// and a push that requires zstd (or gzip) reuses only blobs it knows to be
// such, and only those the manifest's format can name. The
// methods that record and ask this take types internal to containers/image
// (internal/blobinfocache), so the two functions here reach them by
// reflection on the cache containers/image itself returns. A cache without
// them (a changed containers/image) makes noteCompressor record nothing
// (a later push compresses the layer again) and knownBlob fall back to the
// public question (any blob of the layer at the registry): each is then
// slower, never wrong. TestBlobInfoCacheReflection fails if they stop
// working with the cache containers/image makes.

// noteCompressor records in cache that blob d is compressed with the named
// algorithm ("gzip", "zstd"), as containers/image's copy records it for a
// blob it compresses and uploads.
func noteCompressor(cache types.BlobInfoCache, d digest.Digest, algorithm string) bool {
	m := reflect.ValueOf(cache).MethodByName("RecordDigestCompressorData")
	if !m.IsValid() || m.Type().NumIn() != 2 || m.Type().In(0) != reflect.TypeOf(d) || m.Type().In(1).Kind() != reflect.Struct {
		return false
	}
	data := reflect.New(m.Type().In(1)).Elem()
	// A base variant and no specific one: what the copy records for gzip
	// and zstd.
	for field, value := range map[string]string{"BaseVariantCompressor": algorithm, "SpecificVariantCompressor": "unknown"} {
		f := data.FieldByName(field)
		if !f.IsValid() || f.Kind() != reflect.String {
			return false
		}
		f.SetString(value)
	}
	m.Call([]reflect.Value{reflect.ValueOf(d), data})
	return true
}

// knownBlob says whether cache knows a blob of the layer diffID at a
// location in scope that a push would reuse: one compressed with required
// (nil: any) that one of the manifest formats can name.
func knownBlob(cache types.BlobInfoCache, transport types.ImageTransport, scope types.BICTransportScope, diffID digest.Digest, required *compression.Algorithm, formats []string) bool {
	if known, ok := candidatesV2(cache, transport, scope, diffID, required, formats); ok {
		return known
	}
	return len(cache.CandidateLocations(transport, scope, diffID, true)) > 0
}

// candidatesV2 asks CandidateLocations2 for such blobs; ok is false where
// the cache has no such method.
func candidatesV2(cache types.BlobInfoCache, transport types.ImageTransport, scope types.BICTransportScope, diffID digest.Digest, required *compression.Algorithm, formats []string) (known, ok bool) {
	m := reflect.ValueOf(cache).MethodByName("CandidateLocations2")
	if !m.IsValid() || m.Type().NumIn() != 4 || m.Type().NumOut() != 1 || m.Type().In(3).Kind() != reflect.Struct || m.Type().Out(0).Kind() != reflect.Slice {
		return false, false
	}
	opts := reflect.New(m.Type().In(3)).Elem()
	for field, value := range map[string]any{
		"CanSubstitute":           true,
		"PossibleManifestFormats": formats,
		"RequiredCompression":     required,
	} {
		f, v := opts.FieldByName(field), reflect.ValueOf(value)
		if !f.IsValid() || !v.Type().AssignableTo(f.Type()) {
			return false, false
		}
		f.Set(v)
	}
	args := []reflect.Value{reflect.ValueOf(&transport).Elem(), reflect.ValueOf(scope), reflect.ValueOf(diffID), opts}
	for i, a := range args {
		if !a.Type().AssignableTo(m.Type().In(i)) {
			return false, false
		}
	}
	res := m.Call(args)[0]
	for i := range res.Len() {
		c := res.Index(i)
		if c.Kind() != reflect.Struct {
			return false, false
		}
		if unknown := c.FieldByName("UnknownLocation"); !unknown.IsValid() || unknown.Kind() != reflect.Bool {
			return false, false
		} else if !unknown.Bool() {
			return true, true
		}
	}
	return false, true
}
