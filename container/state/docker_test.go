package state

import (
	"reflect"
	"testing"

	"go.podman.io/image/v5/manifest"
)

// hod's Docker configuration types are containers/image's, field for field
// and tag for tag: a field added upstream fails here, not in an image.
func TestDockerTypesMatch(t *testing.T) {
	for _, pair := range [][2]any{
		{DockerImage{}, manifest.Schema2Image{}},
		{DockerV1Image{}, manifest.Schema2V1Image{}},
		{DockerConfig{}, manifest.Schema2Config{}},
		{HealthConfig{}, manifest.Schema2HealthConfig{}},
		{DockerRootFS{}, manifest.Schema2RootFS{}},
		{DockerHistory{}, manifest.Schema2History{}},
	} {
		ours, theirs := reflect.TypeOf(pair[0]), reflect.TypeOf(pair[1])
		if ours.NumField() != theirs.NumField() {
			t.Errorf("%s has %d fields, %s %d", ours, ours.NumField(), theirs, theirs.NumField())
			continue
		}
		for i := range ours.NumField() {
			o, th := ours.Field(i), theirs.Field(i)
			if o.Tag != th.Tag || o.Type.Kind() != th.Type.Kind() || (o.Name != th.Name && !o.Anonymous) {
				t.Errorf("%s.%s %s `%s` differs from %s.%s %s `%s`", ours, o.Name, o.Type, o.Tag, theirs, th.Name, th.Type, th.Tag)
			}
		}
	}
}
