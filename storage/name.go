package storage

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// NormalizeName turns what a user typed as an image name into the name
// stored in containers/storage, the way buildah and podman do: a name without
// a registry lives under "localhost/", and a name without tag or digest gets
// ":latest".
func NormalizeName(name string) (string, error) {
	first, _, hasSlash := strings.Cut(name, "/")
	if !hasSlash || !strings.ContainsAny(first, ".:") && first != "localhost" {
		name = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("parse image name %q: %w", name, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// ShortName is the last path component of an image name without tag or
// digest: the prefix of a working container's name.
func ShortName(name string) string {
	name = name[strings.LastIndex(name, "/")+1:]
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		name = name[:i]
	}
	return name
}
