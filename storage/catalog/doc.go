// Package catalog reads a containers/storage store's records (images,
// layers, containers, mounts) from its JSON files, under its locks, without
// linking containers/storage: the read path of hod's short calls, which
// the front binary serves (cmd/hod). It writes nothing but hod's own
// container state.
//
// It imports no package that initialises much: the front starts in about
// 1.7 ms, and containers/storage or containers/image would add 4.
package catalog
