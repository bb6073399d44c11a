// Package stage writes a layer's tar stream into the store in one pass.
// The stream is extracted into the storage driver's staging directory
// while it is hashed and its tar-split recorded; the staged layer is then
// created under the ID its diff ID gives it (a chain of parent ID and diff
// ID, as containers/image names layers), or dropped. Commit stages a
// container's changes this way, and pull the layers it downloads, so
// neither reads a layer twice.
//
// Drivers that cannot stage a layer as a plain directory (vfs, composefs)
// are reported with Unsupported, and the caller takes its two-pass route.
//
// It imports hod's storage package (for the store's staging lock and race)
// and internal packages only.
package stage
