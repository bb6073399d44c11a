// Package run runs commands in a working container's root filesystem:
// through an OCI runtime (runc, crun) from a runtime-tools spec, or with
// hod's own chroot isolation. Both take capabilities, masked and read-only
// paths from one spec (confinement), and leave no trace in the layer.
//
// It imports container, mount and storage; never copier, commit, bud or cmd.
package run
