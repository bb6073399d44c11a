package copier

import (
	"archive/tar"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/tarx"
	"github.com/moby/patternmatcher"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/archive"
	"golang.org/x/sys/unix"
)

// tarSource turns copy sources into one tar stream, relative to the
// destination directory, with the ownership and mode the copy asks for.
type tarSource struct {
	ctx    context.Context
	opts   Options
	owner  container.Owner
	mode   os.FileMode
	ignore *patternmatcher.PatternMatcher
	items  []item
	temps  []string
	// onlyKey writes the stream for a cache key: mtimes left out.
	onlyKey bool
	// buf is the buffer files are read through.
	buf []byte
	// outsideLinks are archive entries that hard-link to a name the
	// archive did not hold before them: if extraction fails, they are why.
	outsideLinks []string
}

// item is one expanded source: a host path (already resolved inside the
// root sources are confined to), the name it gets at the top, and with
// --parents the directory it is put in.
type item struct {
	path    string
	name    string
	prefix  string
	dir     bool
	archive bool
	mode    os.FileMode // forced mode for downloads
}

func newTarSource(ctx context.Context, opts Options, owner *container.Owner, mode os.FileMode) (*tarSource, error) {
	pm, err := NewMatcher(opts.Ignore)
	if err != nil {
		return nil, fmt.Errorf("parse ignore patterns: %w", err)
	}
	return &tarSource{ctx: ctx, opts: opts, owner: *owner, mode: mode, ignore: pm}, nil
}

func (s *tarSource) cleanup() {
	for _, t := range s.temps {
		os.Remove(t)
	}
}

func (s *tarSource) single() bool {
	return len(s.items) == 1 && !s.items[0].dir && !s.items[0].archive && s.items[0].prefix == ""
}

// expand finds the items sources name. URLs are downloaded, or with
// onlyKey just returned: a cache key names them instead of fetching them.
// A wildcard pattern that matches nothing is an error only when no other
// source found anything either (buildah's rule); a missing plain name
// always is.
func (s *tarSource) expand(sources []string, onlyKey bool) (urls []string, err error) {
	var unmatched error
	for _, src := range sources {
		if s.opts.Extract && isURL(src) {
			if onlyKey {
				urls = append(urls, src)
				continue
			}
			it, err := s.download(src)
			if err != nil {
				return nil, err
			}
			s.items = append(s.items, it)
			continue
		}
		matches, err := s.glob(src)
		if errors.Is(err, syscall.ENOENT) && hasMeta(src) && len(sources) > 1 {
			unmatched = cmp.Or(unmatched, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		added := 0
		for _, m := range matches {
			if s.ignored(m.matched) {
				continue
			}
			if err := s.add(src, m); err != nil {
				return nil, err
			}
			added++
		}
		if added == 0 {
			using := ""
			if s.opts.IgnoreFile != "" {
				using = " using " + s.opts.IgnoreFile
			}
			// buildah's words.
			return nil, fmt.Errorf("copy %q: no items matching glob %q copied (%d filtered out%s): %w", src, src, len(matches), using, syscall.ENOENT)
		}
	}
	if len(s.items) == 0 && len(urls) == 0 && unmatched != nil {
		return nil, unmatched
	}
	return urls, nil
}

// hasMeta tells whether a source is a pattern (filepath.Match's special
// characters) rather than a name.
func hasMeta(src string) bool { return strings.ContainsAny(src, `*?[\`) }

// root is the directory sources are confined to: another root filesystem,
// or the build context; "" lets host sources be anywhere.
func (s *tarSource) root() string {
	if s.opts.FromRoot != "" {
		return s.opts.FromRoot
	}
	if s.opts.Confine {
		return s.opts.ContextDir
	}
	return ""
}

// match is one file a source pattern matched: its path resolved inside
// the root, and the path the user's pattern matched (the name it keeps).
type match struct{ path, matched string }

// glob expands a source pattern on the host, or inside the root sources
// are confined to.
func (s *tarSource) glob(src string) ([]match, error) {
	if root := s.root(); root != "" {
		matches, err := globIn(root, src)
		if errors.Is(err, syscall.ENOENT) && s.opts.FromRoot == "" && escapes(src) {
			// buildah's words: the source was looked for inside the context.
			return nil, fmt.Errorf("checking on sources under %q: possible escaping context directory error: copier: stat: %q: %w", root, path.Join("/", src), syscall.ENOENT)
		}
		return matches, err
	}
	found, err := globMatches(src, src)
	if err != nil {
		return nil, err
	}
	matches := make([]match, len(found))
	for i, m := range found {
		matches[i] = match{m, m}
	}
	return matches, nil
}

// escapes tells whether a relative source climbs out of where it starts.
func escapes(src string) bool {
	rel := path.Clean(src)
	return rel == ".." || strings.HasPrefix(rel, "../")
}

// globIn expands a pattern inside a root. Its directory part is resolved
// with securejoin first, so neither ".." nor a symlink in that root makes
// the match list a host directory; only the last element may hold
// wildcards. Each match is resolved again, as it may be a symlink.
func globIn(root, src string) ([]match, error) {
	unsafeDir, pattern := path.Split(path.Join("/", src))
	dir, err := securejoin.SecureJoin(root, unsafeDir)
	if err != nil {
		return nil, err
	}
	found, err := globMatches(src, filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	matches := make([]match, len(found))
	for i, m := range found {
		resolved, err := securejoin.SecureJoin(root, strings.TrimPrefix(m, root))
		if err != nil {
			return nil, err
		}
		matches[i] = match{resolved, m}
	}
	return matches, nil
}

// globMatches expands pattern; a pattern matching nothing must name an
// existing file (a name with wildcard characters in it).
func globMatches(src, pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("expand %q: %w", src, err)
	}
	if len(matches) == 0 {
		if _, err := os.Lstat(pattern); err != nil {
			return nil, fmt.Errorf("copy %q: %w", src, syscall.ENOENT)
		}
		matches = []string{pattern}
	}
	return matches, nil
}

// add records one match of src; errors name src as the user wrote it, not
// the host path it resolved to. A top-level symlink is copied as its
// target, as Docker does; a directory is walked where it really is.
func (s *tarSource) add(src string, m match) error {
	fi, err := os.Stat(m.path)
	if err == nil && fi.IsDir() {
		m.path, err = filepath.EvalSymlinks(m.path)
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("copy %q: %w", src, err)
	}
	it := item{path: m.path, name: filepath.Base(m.matched), dir: fi.IsDir()}
	if !it.dir && s.opts.Extract && s.opts.FromRoot == "" {
		it.archive = isArchive(m.path)
	}
	if s.opts.Parents {
		if it.prefix, err = s.parentDir(src, m.matched, it.dir); err != nil {
			return err
		}
	}
	s.items = append(s.items, it)
	return nil
}

// parentDir is where --parents puts a match: its directory relative to
// the root (for a directory, the directory itself).
func (s *tarSource) parentDir(src, matched string, dir bool) (string, error) {
	rel, err := filepath.Rel(s.root(), matched)
	if s.root() == "" || err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("copy --parents %q: not inside the context", src)
	}
	if !dir {
		rel = filepath.Dir(rel)
	}
	if rel == "." {
		return "", nil
	}
	return filepath.ToSlash(rel), nil
}

func isArchive(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	ds, err := archive.DecompressStream(f)
	if err != nil {
		return false
	}
	defer ds.Close()
	_, err = tar.NewReader(ds).Next()
	return err == nil
}

// write streams all items to tw; rename names a single file copied to a
// new name. It does not close tw.
func (s *tarSource) write(tw tarx.Writer, rename string) error {
	links := map[[2]uint64]string{}
	for _, it := range s.items {
		var err error
		switch {
		case it.archive:
			err = s.writeArchive(tw, it.path)
		case it.dir:
			err = s.writeTree(tw, it.path, it.prefix, links)
		default:
			name := it.name
			if rename != "" {
				name = rename
			}
			err = s.writePath(tw, it.path, path.Join(it.prefix, name), it.mode, links)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// hasArchive tells whether an item is an archive to unpack: its entries
// are not hod's own walk, so they go through the chrooted extraction.
func (s *tarSource) hasArchive() bool {
	return slices.ContainsFunc(s.items, func(it item) bool { return it.archive })
}

func (s *tarSource) ignored(p string) bool {
	if s.opts.FromRoot != "" || len(s.opts.Ignore) == 0 {
		return false
	}
	rel, err := filepath.Rel(s.opts.ContextDir, p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	m, _ := s.ignore.MatchesOrParentMatches(filepath.ToSlash(rel))
	return m
}

// mayReinclude tells whether an ignored directory must still be walked:
// an exclusion pattern ("!…") whose text starts with the directory's path
// may take something under it back. As in Docker and buildah, a pattern
// that starts with a wildcard ("!*/keep") does not reopen a directory that
// was ignored by name.
func (s *tarSource) mayReinclude(p string) bool {
	if !s.ignore.Exclusions() {
		return false
	}
	rel, err := filepath.Rel(s.opts.ContextDir, p)
	if err != nil {
		return true
	}
	rel = strings.Trim(filepath.ToSlash(rel), "/")
	for _, pat := range s.ignore.Patterns() {
		if pat.Exclusion() && strings.HasPrefix(strings.Trim(pat.String(), "/")+"/", rel) {
			return true
		}
	}
	return false
}

// writePath writes a top-level source: a symlink is copied as its
// target, as buildah copies one. Entries below a directory are the walk's
// (writeTree), which never follows one.
func (s *tarSource) writePath(tw tarx.Writer, p, name string, mode os.FileMode, links map[[2]uint64]string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	return s.writeInfo(tw, p, name, fi, mode, links)
}

func (s *tarSource) writeInfo(tw tarx.Writer, p, name string, fi os.FileInfo, mode os.FileMode, links map[[2]uint64]string) error {
	var target string
	if fi.Mode()&os.ModeSymlink != 0 {
		var err error
		if target, err = os.Readlink(p); err != nil {
			return err
		}
	}
	attrs, err := xattrRecords(p)
	if err != nil {
		return fmtCopyErr(p, err)
	}
	hdr, err := s.header(fi, target, name, attrs, mode)
	if err != nil {
		return fmtCopyErr(p, err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && s.linked(hdr, uint64(st.Dev), st.Ino, uint64(st.Nlink), links) {
		return tw.WriteHeader(hdr)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	return s.readInto(tw, fd, p, hdr.Size)
}

// header is the tar header of an entry named name, with the copy's owner,
// times and mode (a forced mode for downloads; otherwise --chmod's, if
// given), and attrs as its PAX records.
func (s *tarSource) header(fi os.FileInfo, target, name string, attrs map[string]string, mode os.FileMode) (*tar.Header, error) {
	hdr, err := tar.FileInfoHeader(fi, target)
	if err != nil {
		return nil, err
	}
	if si, ok := fi.(statInfo); ok {
		si.devices(hdr)
	}
	hdr.Name, hdr.Uname, hdr.Gname = name, "", ""
	hdr.Uid, hdr.Gid = s.owner.UID, s.owner.GID
	hdr.AccessTime, hdr.ChangeTime = timeZero, timeZero
	if s.onlyKey {
		hdr.ModTime = timeZero
	}
	hdr.PAXRecords = attrs
	if fi.IsDir() {
		hdr.Name += "/"
	}
	if mode == 0 {
		mode = s.mode
	}
	if mode != 0 && hdr.Typeflag != tar.TypeSymlink {
		hdr.Mode = int64(mode)
	}
	return hdr, nil
}

// linked turns hdr into a hard link if a regular file of the same inode
// was written before; otherwise it notes the file as the first.
func (s *tarSource) linked(hdr *tar.Header, dev, ino, nlink uint64, links map[[2]uint64]string) bool {
	if hdr.Typeflag != tar.TypeReg || nlink <= 1 {
		return false
	}
	key := [2]uint64{dev, ino}
	if first, seen := links[key]; seen {
		hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
		return true
	}
	links[key] = hdr.Name
	return false
}

func fmtCopyErr(p string, err error) error {
	return fmt.Errorf("copy %q: %w", p, err)
}

// readInto writes the size bytes the file open as fd had when it was
// stat'ed (p names it), as tar does: a file that grew since (a log, a
// /proc file, whose size is 0) is cut there; one that shrank is padded
// with zeros, with a warning. It reads with plain system calls into one
// buffer: an *os.File costs four fcntls and a poller registration per
// file, which a tree of small files pays thousands of times.
func (s *tarSource) readInto(w io.Writer, fd int, p string, size int64) error {
	if s.buf == nil {
		s.buf = make([]byte, 1<<20)
	}
	for left := size; left > 0; {
		n, err := unix.Read(fd, s.buf[:min(left, int64(len(s.buf)))])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "read", Path: p, Err: err}
		}
		if n == 0 {
			logrus.Warnf("%s: file shrank by %d bytes while it was copied; padding with zeros", p, left)
			_, err = io.CopyN(w, zeros{}, left)
			return err
		}
		if _, err := w.Write(s.buf[:n]); err != nil {
			return err
		}
		left -= int64(n)
	}
	return nil
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// writeArchive passes a local archive's entries through; they keep their
// owners unless --chown was given. Entries that climb out of the
// destination are refused by the extraction itself.
func (s *tarSource) writeArchive(tw tarx.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	ds, err := archive.DecompressStream(f)
	if err != nil {
		return fmt.Errorf("extract %q: %w", p, err)
	}
	defer ds.Close()
	seen := map[string]bool{}
	err = tarx.Copy(tar.NewReader(ds), tw, func(hdr *tar.Header) {
		seen[path.Clean("/"+hdr.Name)] = true
		if hdr.Typeflag == tar.TypeLink && !seen[path.Clean("/"+hdr.Linkname)] {
			// Recorded before the entry reaches the extraction, which fails
			// on it. The target may still come later: tar extracts in order.
			s.outsideLinks = append(s.outsideLinks, fmt.Sprintf("entry %q of %s is a hard link to %q, which is not earlier in the archive (a hard link must follow the file it links to)", hdr.Name, filepath.Base(p), hdr.Linkname))
		}
		if s.opts.Chown != "" {
			hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = s.owner.UID, s.owner.GID, "", ""
		}
		if s.onlyKey {
			hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = timeZero, timeZero, timeZero
		}
		if s.mode != 0 && hdr.Typeflag != tar.TypeSymlink {
			hdr.Mode = int64(s.mode)
		}
	})
	if err != nil {
		return fmt.Errorf("extract %q: %w", p, err)
	}
	return nil
}
