// Package storeconf says which store hod opens and how: storage.conf's
// defaults with buildah's global flags over them, the driver hod picks
// where the user chose none, the keys of containers.conf hod reads, and
// every path hod owns in the store and its run root, each named here
// only. Both binaries use it: the full one to open the store, the front
// (cmd/hod) to read it without containers/storage, so the two never
// disagree about where it is.
package storeconf
