package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// ImageSizes returns containers/storage's size of an image whose layers
// are among layers: its layers' diff sizes and its big data.
func ImageSizes(layers []Layer) func(Image) (int64, error) {
	byID := make(map[string]*Layer, len(layers))
	for i := range layers {
		byID[layers[i].ID] = &layers[i]
	}
	return func(img Image) (int64, error) { return imageSize(img, byID) }
}

func imageSize(img Image, byID map[string]*Layer) (int64, error) {
	var size int64
	seen := map[string]bool{}
	queue := append([]string{img.TopLayer}, img.MappedTopLayers...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		l := byID[id]
		if l == nil || l.UncompressedDigest == "" || l.UncompressedSize == -1 {
			return -1, fmt.Errorf("layer %s: size to compute: %w", id, ErrHandOver)
		}
		size += l.UncompressedSize
		queue = append(queue, l.Parent)
	}
	for _, name := range img.BigDataNames {
		n, ok := img.BigDataSizes[name]
		if !ok {
			return -1, fmt.Errorf("image %s: size of %s unknown: %w", img.ID, name, ErrHandOver)
		}
		size += n
	}
	return size, nil
}

// FindContainer is the container nameOrID names, as containers/storage
// looks one up: an ID, a name, or a prefix of one ID. ok is false for none
// or several.
func FindContainer(all []Container, nameOrID string) (c Container, ok bool) {
	for _, match := range []func(Container) bool{
		func(c Container) bool { return c.ID == nameOrID },
		func(c Container) bool { return slices.Contains(c.Names, nameOrID) },
	} {
		for _, c := range all {
			if match(c) {
				return c, true
			}
		}
	}
	found := 0
	for _, x := range all {
		if nameOrID != "" && strings.HasPrefix(x.ID, nameOrID) {
			c, found = x, found+1
		}
	}
	return c, found == 1
}
