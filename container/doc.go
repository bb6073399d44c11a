// Package container is hod's working container: a container in
// containers/storage plus the image configuration being built on it. It
// keeps the container's state, its configuration changes (Apply), its
// mount, and the lookups inside its root filesystem (LookupOwner) that
// running and copying share; those two live in packages run and copier.
//
// It may import hod's storage and mount packages, never run, copier,
// commit, bud or cmd.
package container
