package copier

import (
	"archive/tar"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/hodbuild/hod/internal/tarx"
	"golang.org/x/sys/unix"
)

// writeTree writes the tree at dir, under prefix (dir's own entry too,
// unless prefix is ""), in lexical order as filepath.WalkDir would. It
// walks by descriptors: every entry is stat'ed, opened and read relative
// to its directory's descriptor, each directory opened from the one above
// it, never following a symlink. A directory of the source swapped for a
// symlink since the walk began (a --from container's rootfs can change)
// is therefore not read through to the host, and no path is looked up
// from the root again for every file, which a tree of small files pays
// for three times a file.
func (s *tarSource) writeTree(tw tarx.Writer, dir, prefix string, links map[[2]uint64]string) error {
	return s.writeDir(tw, unix.AT_FDCWD, dir, dir, prefix, prefix != "", links)
}

// writeDir writes directory base of the one open as dirfd (at host path
// p, named name in the stream): its own entry if header, then what it
// holds.
func (s *tarSource) writeDir(tw tarx.Writer, dirfd int, base, p, name string, header bool, links map[[2]uint64]string) error {
	fd, err := unix.Openat(dirfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	if header {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return &fs.PathError{Op: "stat", Path: p, Err: err}
		}
		hdr, err := s.fdHeader(fd, p, name, &st)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
	}
	return s.walkAt(tw, fd, p, name, links)
}

// walkAt writes the entries of the directory open as fd (at host path
// dir, named prefix in the stream).
func (s *tarSource) walkAt(tw tarx.Writer, fd int, dir, prefix string, links map[[2]uint64]string) error {
	names, err := readNames(fd)
	if err != nil {
		return &fs.PathError{Op: "readdirent", Path: dir, Err: err}
	}
	for _, base := range names {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		p, name := filepath.Join(dir, base), path.Join(prefix, base)
		ignored := s.ignored(p)
		if ignored && !s.mayReinclude(p) {
			continue // not even stat'ed, as WalkDir did not
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return &fs.PathError{Op: "lstat", Path: p, Err: err}
		}
		var err error
		switch {
		case !ignored:
			err = s.writeAt(tw, fd, base, p, name, &st, links)
		case st.Mode&unix.S_IFMT == unix.S_IFDIR:
			// Walked for what an exclusion takes back; the directory
			// itself is not written.
			err = s.writeDir(tw, fd, base, p, name, false, links)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readNames lists a directory's entries, sorted.
func readNames(fd int) ([]string, error) {
	// A descriptor of our own: the *os.File takes it over and closes it.
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "")
	defer f.Close()
	names, err := f.Readdirnames(-1)
	slices.Sort(names)
	return names, err
}

// writeAt writes the entry base of the directory open as dirfd, whose
// lstat is st.
func (s *tarSource) writeAt(tw tarx.Writer, dirfd int, base, p, name string, st *unix.Stat_t, links map[[2]uint64]string) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return s.writeDir(tw, dirfd, base, p, name, true, links)
	case unix.S_IFREG:
		// O_NONBLOCK: a file swapped for a fifo must not hang the copy.
		fd, err := unix.Openat(dirfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return &fs.PathError{Op: "open", Path: p, Err: err}
		}
		defer unix.Close(fd)
		return s.writeFile(tw, fd, p, name, st, links)
	default:
		var target string
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			var err error
			if target, err = readlinkAt(dirfd, base); err != nil {
				return &fs.PathError{Op: "readlink", Path: p, Err: err}
			}
		}
		// Attributes of an entry that cannot be opened, read through the
		// directory's descriptor: the last name is not followed.
		attrs, err := xattrRecords("/proc/self/fd/" + strconv.Itoa(dirfd) + "/" + base)
		if err != nil {
			return fmtCopyErr(p, err)
		}
		hdr, err := s.header(statInfo{base, st}, target, name, attrs, 0)
		if err != nil {
			return fmtCopyErr(p, err)
		}
		return tw.WriteHeader(hdr)
	}
}

// fdHeader is the header of the file or directory open as fd, whose stat
// is st, with the attributes read from it.
func (s *tarSource) fdHeader(fd int, p, name string, st *unix.Stat_t) (*tar.Header, error) {
	attrs, err := fdXattrRecords(fd)
	if err != nil {
		return nil, fmtCopyErr(p, err)
	}
	hdr, err := s.header(statInfo{path.Base(name), st}, "", name, attrs, 0)
	if err != nil {
		return nil, fmtCopyErr(p, err)
	}
	return hdr, nil
}

// writeFile writes the regular file open as fd: a hard link to a name
// already written, or its header and contents.
func (s *tarSource) writeFile(tw tarx.Writer, fd int, p, name string, st *unix.Stat_t, links map[[2]uint64]string) error {
	hdr, err := s.fdHeader(fd, p, name, st)
	if err != nil {
		return err
	}
	if s.linked(hdr, uint64(st.Dev), st.Ino, uint64(st.Nlink), links) {
		return tw.WriteHeader(hdr)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	return s.readInto(tw, fd, p, hdr.Size)
}

func readlinkAt(dirfd int, base string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, base, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// statInfo is an lstat result as the fs.FileInfo tar.FileInfoHeader
// takes (os has no constructor for one). Sys is nil: the header's owners
// and times are the copy's, and device numbers are set from the stat.
type statInfo struct {
	name string
	st   *unix.Stat_t
}

func (i statInfo) Name() string       { return i.name }
func (i statInfo) Size() int64        { return i.st.Size }
func (i statInfo) ModTime() time.Time { return time.Unix(i.st.Mtim.Unix()) }
func (i statInfo) IsDir() bool        { return i.Mode().IsDir() }
func (i statInfo) Sys() any           { return nil }

// Mode converts as os.Lstat does.
func (i statInfo) Mode() fs.FileMode {
	m := fs.FileMode(i.st.Mode & 0o777)
	switch i.st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if i.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if i.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if i.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// devices sets a device entry's numbers, which tar.FileInfoHeader takes
// from Sys.
func (i statInfo) devices(hdr *tar.Header) {
	if i.Mode()&fs.ModeDevice != 0 {
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(i.st.Rdev)), int64(unix.Minor(i.st.Rdev))
	}
}
