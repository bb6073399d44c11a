// Package rebase moves an image onto a patched base without a rebuild: the
// layers it took from its old base are replaced by the new base's, its own
// layers, history and configuration are kept, and what it inherited from
// the old base unchanged is taken from the new one. It reads and writes
// through containers/image, so an image, its bases and the result may each
// be local or in any transport; between registries only the blobs the
// destination lacks are uploaded.
package rebase
