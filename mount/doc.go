// Package mount gets a working container's root filesystem onto the host
// and back. Mounts are reference-counted by containers/storage, so a script
// may mount a container that a commit also mounts.
//
// It must not import any other hod package.
package mount
