package tarx

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// DirWriter writes tar entries straight into a directory: a copy's
// walked tree into a container's rootfs, and a committed or pulled layer
// into the storage driver's new, empty staging directory. It takes the
// place of a tar stream piped to containers/storage's chrooted
// extraction: on a tree of many small files, the pipe, the second process
// and the extraction's path-based calls (four stats, four fcntls and a
// path lookup for each chown, chmod and utimes) were most of the time.
// Archives a user adds to a container's rootfs, whose symlinks the
// extraction resolves inside the rootfs, still go through the extraction.
//
// It never resolves a path: every entry is made relative to an open
// descriptor of its directory with O_NOFOLLOW or its *at equivalent, and
// each directory descriptor comes from the one above it the same way,
// starting from the destination (which the caller opens inside its root).
// A symlink in the way of an entry is replaced, as tar replaces it, never
// followed; names with ".." or a leading "/" are refused. So nothing is
// written outside the destination.
//
// The results are the extraction's: an entry in the way is removed (a
// directory kept when a directory arrives), owners, modes, times and
// extended attributes are set, directories' times last; with
// DirOptions.OpaqueXattr, OCI whiteouts become overlay's.
type DirWriter struct {
	dest      *os.File // the destination directory
	opts      DirOptions
	owner     Owner // the current entry's
	uid, gid  int
	umask     uint32
	dirs      []openDir            // open along the current path
	dirTimes  map[string]time.Time // each directory's time, set when it is left
	file      *openFile            // the regular file being written
	xattrErrs []string
}

// Owner is a numeric user and group on the host.
type Owner struct{ UID, GID int }

// DirOptions say how entries are owned and what they become.
type DirOptions struct {
	// Owner gives an entry's owner on the host.
	Owner func(*tar.Header) (Owner, error)
	// Root owns the directories a stream implies without entries for
	// them (a --parents prefix), as the extraction's MkdirAll makes them.
	Root Owner
	// IgnoreChownErrors passes over owners that cannot be set (the
	// store's ignore_chown_errors).
	IgnoreChownErrors bool
	// InUserNS skips device nodes, which a user namespace cannot make,
	// and passes over extended attributes it refuses.
	InUserNS bool
	// OpaqueXattr, when set, turns OCI whiteouts into overlay's: ".wh.X"
	// a 0/0 character device X, ".wh..wh..opq" this attribute on its
	// directory.
	OpaqueXattr string
}

// FixedOwner gives every entry one owner.
func FixedOwner(o Owner) func(*tar.Header) (Owner, error) {
	return func(*tar.Header) (Owner, error) { return o, nil }
}

type openDir struct {
	name   string // relative to dest; "" is dest itself
	fd     int
	setgid bool
}

type openFile struct {
	fd     int
	left   int64
	hdr    *tar.Header
	setgid bool // its directory's: the file's group is that directory's
}

// NewDirWriter writes into dest, which stays the caller's to close.
func NewDirWriter(dest *os.File, opts DirOptions) (*DirWriter, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(dest.Fd()), &st); err != nil {
		return nil, err
	}
	return &DirWriter{
		dest: dest, opts: opts,
		uid: os.Geteuid(), gid: os.Getegid(), umask: currentUmask(),
		dirs:     []openDir{{name: "", fd: int(dest.Fd()), setgid: st.Mode&unix.S_ISGID != 0}},
		dirTimes: map[string]time.Time{},
	}, nil
}

// WriteHeader creates the entry hdr names.
func (w *DirWriter) WriteHeader(hdr *tar.Header) error {
	if w.file != nil {
		return fmt.Errorf("write %q: %d bytes missing", w.file.hdr.Name, w.file.left)
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name := path.Clean(strings.TrimSuffix(hdr.Name, "/"))
	if outside(name) {
		return fmt.Errorf("write: entry %q is outside the destination", hdr.Name)
	}
	owner, err := w.opts.Owner(hdr)
	if err != nil {
		return err
	}
	w.owner = owner
	if name == "." {
		return w.destEntry(hdr)
	}
	dir, base := path.Split(name)
	parent, err := w.enter(strings.TrimSuffix(dir, "/"))
	if err != nil {
		return err
	}
	if w.opts.OpaqueXattr != "" {
		if done, err := w.whiteout(parent, base); done || err != nil {
			return err
		}
	}
	if err := w.create(parent, dir+base, base, hdr); err != nil {
		return fmt.Errorf("write %q: %w", name, err)
	}
	return nil
}

// destEntry applies an entry for the destination itself ("."), a
// directory's, to it, as the extraction does.
func (w *DirWriter) destEntry(hdr *tar.Header) error {
	if hdr.Typeflag != tar.TypeDir {
		return errors.New("refusing to act on a non-directory entry as the archive root")
	}
	if err := w.leave(1); err != nil {
		return err
	}
	fd := int(w.dest.Fd())
	if err := w.chown(fd, "", w.owner); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, uint32(hdr.Mode)&0o7777); err != nil {
		return err
	}
	if err := w.setXattrs(fd, hdr); err != nil {
		return err
	}
	w.dirTimes[""] = modTime(hdr)
	return nil
}

// whiteout turns an OCI whiteout entry into overlay's form and tells
// whether base was one: ".wh..wh..opq" marks its directory opaque, and
// ".wh.X" is a 0/0 character device X (none is needed where X's
// directory is itself whited out).
func (w *DirWriter) whiteout(parent openDir, base string) (bool, error) {
	if base == ".wh..wh..opq" {
		return true, unix.Fsetxattr(parent.fd, w.opts.OpaqueXattr, []byte{'y'}, 0)
	}
	orig, ok := strings.CutPrefix(base, ".wh.")
	if !ok {
		return false, nil
	}
	if orig == "" || orig == "." || orig == ".." || strings.Contains(orig, "/") {
		return true, fmt.Errorf("invalid whiteout path %q", path.Join(parent.name, base))
	}
	err := unix.Mknodat(parent.fd, orig, unix.S_IFCHR, 0)
	if errors.Is(err, unix.ENOTDIR) {
		return true, nil
	}
	if err != nil {
		return true, fmt.Errorf("whiteout %q: %w", path.Join(parent.name, orig), err)
	}
	return true, w.chown(parent.fd, orig, w.owner)
}

// Write writes the current regular file's content.
func (w *DirWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if w.file == nil || int64(len(p)) > w.file.left {
		return 0, errors.New("write: more content than the entry's size")
	}
	for written := 0; written < len(p); {
		n, err := unix.Write(w.file.fd, p[written:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return written, fmt.Errorf("write %q: %w", w.file.hdr.Name, err)
		}
		written += n
	}
	w.file.left -= int64(len(p))
	if w.file.left == 0 {
		return len(p), w.finishFile()
	}
	return len(p), nil
}

// Close leaves every directory (setting its times) and reports extended
// attributes the filesystem refused, as the extraction does.
func (w *DirWriter) Close() error {
	if w.file != nil {
		unix.Close(w.file.fd)
		return fmt.Errorf("write %q: %d bytes missing", w.file.hdr.Name, w.file.left)
	}
	err := w.leave(1)
	if t, ok := w.dirTimes[""]; ok && err == nil {
		err = futimes(int(w.dest.Fd()), t)
	}
	if len(w.xattrErrs) > 0 {
		logrus.WithField("errors", w.xattrErrs).Warn("ignored xattrs in archive: underlying filesystem doesn't support them")
	}
	return err
}

// Abort closes what is open after a failure.
func (w *DirWriter) Abort() {
	if w.file != nil {
		unix.Close(w.file.fd)
		w.file = nil
	}
	for _, d := range w.dirs[1:] {
		unix.Close(d.fd)
	}
	w.dirs = w.dirs[:1]
}

// enter makes dir the innermost open directory: it leaves those not on
// its path and opens the rest of it, creating what is missing (a prefix
// --parents implies) as the extraction's MkdirAll does.
func (w *DirWriter) enter(dir string) (openDir, error) {
	keep := 1
	for i := len(w.dirs) - 1; i > 0; i-- {
		if d := w.dirs[i].name; dir == d || strings.HasPrefix(dir, d+"/") {
			keep = i + 1
			break
		}
	}
	if err := w.leave(keep); err != nil {
		return openDir{}, err
	}
	top := w.dirs[len(w.dirs)-1]
	if top.name == dir {
		return top, nil
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(dir, top.name), "/")
	for _, comp := range strings.Split(rest, "/") {
		name := path.Join(top.name, comp)
		err := unix.Mkdirat(top.fd, comp, 0o755)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return openDir{}, fmt.Errorf("create %s: %w", name, err)
		}
		created := err == nil
		fd, setgid, err := openDirAt(top.fd, comp)
		if err != nil {
			return openDir{}, fmt.Errorf("open %s: %w", name, err)
		}
		if created {
			if err := w.chown(fd, "", w.opts.Root); err != nil {
				unix.Close(fd)
				return openDir{}, err
			}
		}
		top = openDir{name: name, fd: fd, setgid: setgid}
		w.dirs = append(w.dirs, top)
	}
	return top, nil
}

// leave closes the open directories from index keep on, innermost
// first, setting each one's times now that nothing more is written in it.
func (w *DirWriter) leave(keep int) error {
	for len(w.dirs) > keep {
		d := w.dirs[len(w.dirs)-1]
		w.dirs = w.dirs[:len(w.dirs)-1]
		var err error
		if t, ok := w.dirTimes[d.name]; ok {
			err = futimes(d.fd, t)
		}
		unix.Close(d.fd)
		if err != nil {
			return fmt.Errorf("write %q: %w", d.name, err)
		}
	}
	return nil
}

func (w *DirWriter) create(parent openDir, name, base string, hdr *tar.Header) error {
	perm := uint32(hdr.Mode) & 0o7777
	switch hdr.Typeflag {
	case tar.TypeDir:
		return w.createDir(parent, name, base, hdr, perm)
	case tar.TypeReg:
		fd, err := retryInWay(parent.fd, base, func() (int, error) {
			return unix.Openat(parent.fd, base, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, perm)
		})
		if err != nil {
			return err
		}
		w.file = &openFile{fd: fd, left: hdr.Size, hdr: hdr, setgid: parent.setgid}
		if hdr.Size == 0 {
			return w.finishFile()
		}
		return nil
	case tar.TypeSymlink:
		if _, err := retryInWay(parent.fd, base, func() (int, error) { return 0, unix.Symlinkat(hdr.Linkname, parent.fd, base) }); err != nil {
			return err
		}
		return w.finishAt(parent, base, hdr, perm, false)
	case tar.TypeLink:
		return w.link(parent, base, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return w.createNode(parent, base, hdr, perm)
	}
	return fmt.Errorf("unhandled tar header type %d", hdr.Typeflag)
}

func (w *DirWriter) createDir(parent openDir, name, base string, hdr *tar.Header, perm uint32) error {
	err := unix.Mkdirat(parent.fd, base, perm)
	existed := errors.Is(err, unix.EEXIST)
	if existed {
		var st unix.Stat_t
		if err = unix.Fstatat(parent.fd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			if err = removeAt(parent.fd, base); err == nil {
				err = unix.Mkdirat(parent.fd, base, perm)
				existed = false
			}
		}
	}
	if err != nil {
		return err
	}
	fd, _, err := openDirAt(parent.fd, base)
	if err != nil {
		return err
	}
	if w.needChown(parent.setgid) {
		if err = w.chown(fd, "", w.owner); err != nil {
			unix.Close(fd)
			return err
		}
	}
	// mkdir honours neither the umask'ed bits, nor setuid and setgid,
	// and a setgid parent passes its setgid bit on.
	if existed || perm&w.umask != 0 || perm&(unix.S_ISUID|unix.S_ISGID) != 0 || parent.setgid {
		if err = unix.Fchmod(fd, perm); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if err = w.setXattrs(fd, hdr); err != nil {
		unix.Close(fd)
		return err
	}
	w.dirTimes[name] = modTime(hdr)
	w.dirs = append(w.dirs, openDir{name: name, fd: fd, setgid: perm&unix.S_ISGID != 0})
	return nil
}

func (w *DirWriter) createNode(parent openDir, base string, hdr *tar.Header, perm uint32) error {
	if hdr.Typeflag != tar.TypeFifo && w.opts.InUserNS {
		logrus.Debugf("Tar: Can't create device %v while running in user namespace", base)
		return nil
	}
	kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	if _, err := retryInWay(parent.fd, base, func() (int, error) { return 0, unix.Mknodat(parent.fd, base, kind|perm, int(dev)) }); err != nil {
		return err
	}
	return w.finishAt(parent, base, hdr, perm, true)
}

// link hard-links base to an entry written earlier in this copy, found
// from the destination directory one component at a time.
func (w *DirWriter) link(parent openDir, base string, hdr *tar.Header) error {
	target := path.Clean(hdr.Linkname)
	if target == "." || outside(target) {
		return fmt.Errorf("invalid hardlink %q", hdr.Linkname)
	}
	tdir, tbase := path.Split(target)
	tfd := int(w.dest.Fd())
	if tdir != "" {
		fd, err := openDirPath(tfd, strings.TrimSuffix(tdir, "/"))
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		tfd = fd
	}
	if _, err := retryInWay(parent.fd, base, func() (int, error) { return 0, unix.Linkat(tfd, tbase, parent.fd, base, 0) }); err != nil {
		return err
	}
	// As the extraction does, the link's header applies to the inode it
	// shares (a hard link to a symlink keeps the symlink's own).
	var st unix.Stat_t
	if err := unix.Fstatat(parent.fd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return err
	}
	return w.finishAt(parent, base, hdr, uint32(hdr.Mode)&0o7777, true)
}

// finishFile sets a written file's owner, mode, attributes and times.
func (w *DirWriter) finishFile() error {
	f := w.file
	w.file = nil
	defer unix.Close(f.fd)
	perm := uint32(f.hdr.Mode) & 0o7777
	if w.needChown(f.setgid) {
		if err := w.chown(f.fd, "", w.owner); err != nil {
			return err
		}
	}
	// open drops the umask's bits and may drop setgid; a chown clears
	// setuid and setgid.
	if perm&w.umask != 0 || perm&(unix.S_ISUID|unix.S_ISGID|unix.S_ISVTX) != 0 {
		if err := unix.Fchmod(f.fd, perm); err != nil {
			return err
		}
	}
	if err := w.setXattrs(f.fd, f.hdr); err != nil {
		return err
	}
	return futimes(f.fd, modTime(f.hdr))
}

// finishAt sets the owner, mode (not a symlink's), attributes and times
// of an entry that has no descriptor of its own: a symlink or a node.
func (w *DirWriter) finishAt(parent openDir, base string, hdr *tar.Header, perm uint32, chmod bool) error {
	if w.needChown(parent.setgid) {
		if err := w.chown(parent.fd, base, w.owner); err != nil {
			return err
		}
	}
	if chmod {
		if err := unix.Fchmodat(parent.fd, base, perm, 0); err != nil {
			return err
		}
	}
	if len(hdr.PAXRecords) > 0 {
		// The parent's descriptor through /proc names base without
		// following it (lsetxattr does not follow the last component).
		p := "/proc/self/fd/" + strconv.Itoa(parent.fd) + "/" + base
		if err := w.eachXattr(hdr, func(name string, value []byte) error { return unix.Lsetxattr(p, name, value, 0) }); err != nil {
			return err
		}
	}
	ts := timespecs(modTime(hdr))
	return unix.UtimesNanoAt(parent.fd, base, ts[:], unix.AT_SYMLINK_NOFOLLOW)
}

// needChown tells whether a new entry's owner differs from the one it
// gets by being created: this process's IDs, or a setgid directory's group.
func (w *DirWriter) needChown(parentSetgid bool) bool {
	return parentSetgid || w.owner.UID != w.uid || w.owner.GID != w.gid
}

// chown gives fd (or, with base, the entry base in the directory fd)
// owner; with ignore_chown_errors a refusal is passed over.
func (w *DirWriter) chown(fd int, base string, owner Owner) error {
	var err error
	if base == "" {
		err = unix.Fchown(fd, owner.UID, owner.GID)
	} else {
		err = unix.Fchownat(fd, base, owner.UID, owner.GID, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil && w.opts.IgnoreChownErrors {
		fmt.Fprintf(os.Stderr, "Chown error detected. Ignoring due to ignoreChownErrors flag: %v\n", err)
		return nil
	}
	if errors.Is(err, unix.EINVAL) {
		// containers/storage's words, which hod's rootless hint keys on.
		return fmt.Errorf(`potentially insufficient UIDs or GIDs available in user namespace (requested %d:%d): Check /etc/subuid and /etc/subgid if configured locally and run "podman system migrate": %w`, owner.UID, owner.GID, err)
	}
	return err
}

func (w *DirWriter) setXattrs(fd int, hdr *tar.Header) error {
	if len(hdr.PAXRecords) == 0 {
		return nil
	}
	return w.eachXattr(hdr, func(name string, value []byte) error { return unix.Fsetxattr(fd, name, value, 0) })
}

// eachXattr sets hdr's extended attributes with set; as in the
// extraction, a filesystem without them (or a user namespace refusing
// them) is reported at the end, not an error.
func (w *DirWriter) eachXattr(hdr *tar.Header, set func(string, []byte) error) error {
	for key, value := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(key, "SCHILY.xattr.")
		if !ok || name == "security.selinux" { // the extraction leaves the label to the host
			continue
		}
		if err := set(name, []byte(value)); err != nil {
			if errors.Is(err, unix.ENOTSUP) || (w.opts.InUserNS && errors.Is(err, unix.EPERM)) {
				w.xattrErrs = append(w.xattrErrs, err.Error())
				continue
			}
			return err
		}
	}
	return nil
}

// retryInWay runs create; if an entry is in the way, it removes it (a
// directory with everything in it) and runs create again.
func retryInWay(dirfd int, base string, create func() (int, error)) (int, error) {
	fd, err := create()
	if !errors.Is(err, unix.EEXIST) {
		return fd, err
	}
	if err := removeAt(dirfd, base); err != nil {
		return -1, err
	}
	return create()
}

// removeAt removes base from the directory dirfd, a directory with its
// contents: os.RemoveAll opens what it descends into without following
// symlinks, and /proc's link to dirfd is the directory itself.
func removeAt(dirfd int, base string) error {
	err := unix.Unlinkat(dirfd, base, 0)
	if errors.Is(err, unix.EISDIR) {
		err = os.RemoveAll("/proc/self/fd/" + strconv.Itoa(dirfd) + "/" + base)
	}
	return err
}

// openDirAt opens the directory base in dirfd without following a
// symlink, and tells whether it is setgid.
func openDirAt(dirfd int, base string) (int, bool, error) {
	fd, err := unix.Openat(dirfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, false, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, false, err
	}
	return fd, st.Mode&unix.S_ISGID != 0, nil
}

// openDirPath opens dir below dirfd one component at a time, following
// no symlink.
func openDirPath(dirfd int, dir string) (int, error) {
	fd := dirfd
	for _, comp := range strings.Split(dir, "/") {
		next, _, err := openDirAt(fd, comp)
		if fd != dirfd {
			unix.Close(fd)
		}
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// modTime is the time the extraction gives an entry: the tar writer's
// (to the second unless the header asks for a format), also as atime.
func modTime(hdr *tar.Header) time.Time {
	if hdr.Format == tar.FormatUnknown {
		return hdr.ModTime.Round(time.Second)
	}
	return hdr.ModTime
}

// timespecs are the access and modification times an entry gets: both t.
func timespecs(t time.Time) [2]unix.Timespec {
	ts := unix.NsecToTimespec(t.UnixNano())
	return [2]unix.Timespec{ts, ts}
}

// outside tells whether a cleaned entry name or hard-link target lies
// outside the destination: absolute, its parent, or above it.
func outside(name string) bool {
	return path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../")
}

// futimes sets fd's access and modification times to t (utimensat with
// a null path, which x/sys does not offer).
func futimes(fd int, t time.Time) error {
	ts := timespecs(t)
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// currentUmask reads the umask from /proc (setting it to read it would
// change it under other goroutines); all bits if it cannot, so every
// mode is set explicitly.
func currentUmask() uint32 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0o777
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return uint32(m)
			}
		}
	}
	return 0o777
}

var _ io.WriteCloser = (*DirWriter)(nil)
