// Package storage is hod's containers/storage store and the images in it:
// opening the store (and undoing what a failed open mounted), resolving
// names and transport references, looking up, tagging and removing
// images, the write journal that lets the next call clean up after a
// killed writer, the driver's staging directories, and recognising
// containers/storage's staging race. Moving images in and out of the
// store is storage/transfer's job; manifest lists are storage/manifest's.
//
// The store is shared with buildah and podman, so it is read and written
// through go.podman.io/storage and go.podman.io/image/v5, with two
// exceptions written down where they are: the journal's and staging's own
// directories beside the store (named in storage/storeconf), and the
// catalog view, which adapts the store to storage/catalog's reader.
//
// It imports only hod's internal packages and its own subpackages
// storeconf and catalog, never a package built on it.
package storage
