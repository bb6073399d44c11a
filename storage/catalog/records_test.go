package catalog

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	cstorage "go.podman.io/storage"
)

// jsonKeys are the keys encoding/json reads into t's type, embedded
// structs' included.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			keys = append(keys, jsonKeys(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	slices.Sort(keys)
	return keys
}

// The catalog accepts exactly the keys the linked containers/storage
// writes: a key it adds in a newer version must be looked at (does the
// catalog need to read it?) before the front reads its stores.
func TestRecordKeysMatchContainersStorage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ours, cs any
	}{
		{"image", imageRecord{}, cstorage.Image{}},
		{"layer", layerRecord{}, cstorage.Layer{}},
		{"container", containerRecord{}, cstorage.Container{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, cs := jsonKeys(reflect.TypeOf(tc.ours)), jsonKeys(reflect.TypeOf(tc.cs))
			if !slices.Equal(ours, cs) {
				t.Errorf("the catalog accepts %v\ncontainers/storage writes %v", ours, cs)
			}
		})
	}
}
