// Package copier copies files into a working container: host paths,
// globs, another container's or image's files, archives and URLs, all as
// one tar stream extracted chrooted into the rootfs. The same enumeration
// of sources gives a build's cache key (Digest), so a cache hit always
// describes what a copy would write.
//
// It imports container and storage; never run, commit, bud or cmd.
package copier
