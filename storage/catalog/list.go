package catalog

import (
	"slices"
	"strings"
	"time"
)

// Summary describes a local image for listings.
type Summary struct {
	ID      string
	Names   []string
	Digest  string
	Created time.Time
	Size    int64
	// History holds names the image had before and has no more.
	History []string
}

// List returns local images, newest first. Unnamed images that are the
// base of another image or container (checkpoints, build steps) are left
// out unless all is set. A non-empty filter keeps the images with an ID
// starting with it, or one of whose names has one of the candidates (the
// names filter stands for) as repository or is one. size is an image's
// size: ImageSizes', or containers/storage's in the full binary.
func List(images []Image, layers []Layer, filter string, candidates []string, all bool, size func(Image) (int64, error)) ([]Summary, error) {
	parents, parentOf := map[string]bool{}, map[string]string{}
	for _, l := range layers {
		parents[l.Parent] = true
		parentOf[l.ID] = l.Parent
	}
	// Layers below another image's top: an unnamed image there is an
	// intermediate one, as buildah (libimage) decides it.
	belowImage := map[string]bool{}
	for _, img := range images {
		for l := parentOf[img.TopLayer]; l != "" && !belowImage[l]; l = parentOf[l] {
			belowImage[l] = true
		}
	}
	tops := map[string]int{}
	for _, img := range images {
		tops[img.TopLayer]++
	}
	var list []Summary
	for _, img := range images {
		// Intermediate: unnamed, and below another image; or hod's own
		// (a checkpoint or build step, marked in its metadata) below a
		// container, or a build step that added only configuration (it
		// shares its top layer). An unnamed image a container was made
		// from (dir:, an ID) is listed, as buildah lists it.
		hods := strings.Contains(img.Metadata, `"hod.`)
		buildStep := tops[img.TopLayer] > 1 && strings.Contains(img.Metadata, `"hod.cache-key"`)
		if !all && len(img.Names) == 0 && (belowImage[img.TopLayer] || hods && parents[img.TopLayer] || buildStep) {
			continue
		}
		if filter != "" && !matches(img.Names, candidates) && !strings.HasPrefix(img.ID, filter) {
			continue
		}
		n, err := size(img)
		if err != nil {
			return nil, err
		}
		var history []string
		for _, n := range img.NamesHistory {
			if !slices.Contains(img.Names, n) && !slices.Contains(history, n) {
				history = append(history, n)
			}
		}
		list = append(list, Summary{img.ID, img.Names, img.Digest, img.Created, n, history})
	}
	slices.SortStableFunc(list, func(a, b Summary) int { return b.Created.Compare(a.Created) })
	return list, nil
}

func matches(names, candidates []string) bool {
	for _, n := range names {
		repo, _ := SplitTag(n)
		for _, c := range candidates {
			if n == c || repo == c || repo == strings.TrimSuffix(c, ":latest") {
				return true
			}
		}
	}
	return false
}

// SplitTag splits a stored image name into repository and tag (or digest).
func SplitTag(name string) (repo, tag string) {
	if i := strings.LastIndex(name, "@"); i >= 0 {
		return name[:i], name[i+1:]
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[:i], name[i+1:]
	}
	return name, "<none>"
}
