// Package copier copies files into a working container: host paths,
// globs, another container's or image's files, archives and URLs, all as
// one tar stream. A tree hod walks itself is read by descriptors (each
// entry relative to its directory's, never following a symlink) and
// written straight into the rootfs by descriptors (tarx.DirWriter, in a
// goroutine of its own);
// archives' entries go through containers/storage's extraction chrooted
// into the rootfs. Either way nothing lands outside the rootfs. The same
// enumeration of sources gives a build's cache key (Digest), so a cache
// hit always describes what a copy would write.
//
// It imports container, mount and internal/tarx; never run, commit, bud
// or cmd.
package copier
