package catalog

import (
	"encoding/json"
	"strings"
)

// The records as containers/storage (go.podman.io/storage v1.64, and
// buildah 1.28's older one, whose keys are a subset) writes them: the
// catalog's types carry what hod reads; the other keys it knows are taken
// here, unread, so that decoding can refuse every key it does not know
// (TestRecordKeysMatchContainersStorage keeps the lists in step).

type imageRecord struct {
	Image
	Flags json.RawMessage `json:"flags,omitempty"`
}

type layerRecord struct {
	Layer
	Names            json.RawMessage `json:"names,omitempty"`
	Metadata         json.RawMessage `json:"metadata,omitempty"`
	MountLabel       json.RawMessage `json:"mountlabel,omitempty"`
	Created          json.RawMessage `json:"created,omitempty"`
	CompressedDigest json.RawMessage `json:"compressed-diff-digest,omitempty"`
	CompressedSize   json.RawMessage `json:"compressed-size,omitempty"`
	TOCDigest        json.RawMessage `json:"toc-digest,omitempty"`
	CompressionType  json.RawMessage `json:"compression,omitempty"`
	UIDs             json.RawMessage `json:"uidset,omitempty"`
	GIDs             json.RawMessage `json:"gidset,omitempty"`
	UIDMap           json.RawMessage `json:"uidmap,omitempty"`
	GIDMap           json.RawMessage `json:"gidmap,omitempty"`
	BigDataNames     json.RawMessage `json:"big-data-names,omitempty"`
}

type containerRecord struct {
	Container
	BigDataNames   json.RawMessage `json:"big-data-names,omitempty"`
	BigDataSizes   json.RawMessage `json:"big-data-sizes,omitempty"`
	BigDataDigests json.RawMessage `json:"big-data-digests,omitempty"`
	UIDMap         json.RawMessage `json:"uidmap,omitempty"`
	GIDMap         json.RawMessage `json:"gidmap,omitempty"`
	Flags          json.RawMessage `json:"flags,omitempty"`
}

// The entries a records directory holds besides its records file, lock
// and volatile records: an image's or a container's directory (big data,
// hod's state), a layer's tar-split, all named by a 64-hex ID, and the
// layer store's temporary directory (containers/storage's tempDirPath),
// where a write stages tar-split files before its records change.
func imageEntry(name string, isDir bool) bool     { return isDir && isID(name) }
func containerEntry(name string, isDir bool) bool { return isDir && isID(name) }
func layerEntry(name string, isDir bool) bool {
	if isDir && name == "tmp" {
		return true
	}
	id, ok := strings.CutSuffix(name, ".tar-split.gz")
	return !isDir && ok && isID(id)
}

func isID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
