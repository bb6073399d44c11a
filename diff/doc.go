// Package diff compares two images, working containers, or images in any
// transport: their configurations field by field, their layer lists, and
// their files (added, removed, changed in content, type, mode, owner,
// mtime, link target or extended attributes). It answers "why is my
// rebuild not bit-for-bit identical": two builds of one source that
// differ only in a file's mtime say exactly that.
//
// An image's files are its layers applied in order, whiteouts included,
// read as tar streams; a working container's are its mounted root
// filesystem, walked, with owners mapped back into the container.
package diff
