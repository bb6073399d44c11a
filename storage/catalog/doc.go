// Package catalog reads a containers/storage store's records (images,
// layers, containers, mounts) from its JSON files, under its locks, without
// linking containers/storage: the read path of hod's short calls, which
// the front binary serves (cmd/hod). It fails closed: a record key, a file
// or a store option it does not know exactly is ErrHandOver, and the front
// hands the call to the full binary. It also holds the one lookup and the
// one listing of working containers both binaries use (OpenWorking,
// WorkingContainers), over its own reader or the full binary's view of the
// store. It writes nothing but hod's own container state, under the
// container store's lock (UpdateContainers).
//
// It imports no package that initialises much: the front starts in about
// 1.7 ms, and containers/storage or containers/image would add 4.
package catalog
