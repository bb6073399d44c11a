// Package manifest keeps manifest lists in the store as buildah does: an
// image without layers whose manifest is an OCI index, with buildah's
// instances.json naming the local image each instance was added from, so
// buildah and podman read hod's lists and hod theirs. It creates lists,
// adds local images, annotates and removes instances, resolves a list to
// its instance for a platform (FROM on a list), and lists the platforms an
// image exists for. Pushing a list and adding a registry image are
// storage/transfer's, which moves the images.
package manifest
