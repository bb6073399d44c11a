// Package transfer moves images between the store and other places: pull
// (with buildah's pull policies and retries; a registry image's missing
// layers are fetched in one pass each through storage/stage before
// containers/image's copy writes the image's record), push (a gzip or zstd
// push to a registry uploads the layers, compressed on every core, ahead
// of the copy, which then reuses them), copy between any two transports,
// manifest lists pushed or filled from a registry, login and logout,
// signing and encryption, and the containers/image system and policy
// contexts every transfer uses (registries.conf, certificates,
// credentials). A transfer stages its big files in a directory of its own
// that the next call reaps if the transfer was killed.
package transfer
