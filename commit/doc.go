// Package commit turns a working container into an image: one new layer
// holding exactly the container's changes, streamed once from the mounted
// root filesystem into containers/storage (on overlay through
// storage/stage, which pull uses too), then the configuration and manifest
// written beside it. Other destinations (oci:, docker://, ...) are
// copied from that local image by containers/image.
//
// It may import hod's container and storage packages, never bud or cmd.
package commit
