package transfer

import (
	"bytes"
	"testing"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/types"
)

// TestNamedByDiffID: the copy's line about a sent blob names the layer's
// diff ID; every other line passes as it is.
func TestNamedByDiffID(t *testing.T) {
	diffID, blob := digest.FromString("layer"), digest.FromString("blob")
	var out bytes.Buffer
	w := namedByDiffID(&out, map[digest.Digest]types.BlobInfo{diffID: {Digest: blob}})
	for _, line := range []string{
		"Getting image source signatures\n",
		"Copying blob " + blob.String() + "\n",
		"Copying blob " + digest.FromString("other").String() + "\n",
		"Copying config " + blob.String() + "\n",
	} {
		if n, err := w.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", line, n, err)
		}
	}
	want := "Getting image source signatures\n" +
		"Copying blob " + diffID.String() + "\n" +
		"Copying blob " + digest.FromString("other").String() + "\n" +
		"Copying config " + blob.String() + "\n"
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}
