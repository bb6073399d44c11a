package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/patternmatcher"
	"go.podman.io/storage/pkg/archive"
)

// tarSource turns copy sources into one tar stream, relative to the
// destination directory, with the ownership and mode the copy asks for.
type tarSource struct {
	ctx    context.Context
	opts   CopyOptions
	owner  Owner
	mode   os.FileMode
	ignore *patternmatcher.PatternMatcher
	items  []item
	temps  []string
}

// item is one expanded source: a host path (already confined to FromRoot
// when copying from another container) and the name it gets at the top.
type item struct {
	path    string
	name    string
	dir     bool
	archive bool
	mode    os.FileMode // forced mode for downloads
}

func newTarSource(ctx context.Context, opts CopyOptions, owner *Owner, mode os.FileMode) (*tarSource, error) {
	pm, err := patternmatcher.New(opts.Ignore)
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
	return len(s.items) == 1 && !s.items[0].dir && !s.items[0].archive
}

func (s *tarSource) expand(sources []string) error {
	for _, src := range sources {
		if s.opts.Extract && isURL(src) {
			it, err := s.download(src)
			if err != nil {
				return err
			}
			s.items = append(s.items, it)
			continue
		}
		matches, err := s.glob(src)
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := s.add(src, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// glob expands a source pattern on the host, or inside FromRoot.
func (s *tarSource) glob(src string) ([]string, error) {
	if s.opts.FromRoot != "" {
		return globIn(s.opts.FromRoot, src)
	}
	return globMatches(src, src)
}

// globIn expands a pattern inside another root filesystem. Its directory
// part is resolved with securejoin first, so neither ".." nor a symlink in
// that rootfs makes the match list a host directory; only the last element
// may hold wildcards. Each match is resolved again, as it may be a symlink.
func globIn(root, src string) ([]string, error) {
	unsafeDir, pattern := path.Split(path.Join("/", src))
	dir, err := securejoin.SecureJoin(root, unsafeDir)
	if err != nil {
		return nil, err
	}
	matches, err := globMatches(src, filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	for i, m := range matches {
		if matches[i], err = securejoin.SecureJoin(root, strings.TrimPrefix(m, root)); err != nil {
			return nil, err
		}
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
			return nil, fmt.Errorf("copy %q: %w", src, fs.ErrNotExist)
		}
		matches = []string{pattern}
	}
	return matches, nil
}

// add records one match of src; errors name src as the user wrote it, not
// the host path it resolved to.
func (s *tarSource) add(src, p string) error {
	fi, err := os.Stat(p) // a top-level symlink is copied as its target, as Docker does
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("copy %q: %w", src, err)
	}
	it := item{path: p, name: filepath.Base(p), dir: fi.IsDir()}
	if !it.dir && s.opts.Extract && s.opts.FromRoot == "" {
		it.archive = isArchive(p)
	}
	s.items = append(s.items, it)
	return nil
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

// write streams all items; rename names a single file copied to a new name.
func (s *tarSource) write(w io.Writer, rename string) error {
	tw := tar.NewWriter(w)
	links := map[[2]uint64]string{}
	for _, it := range s.items {
		var err error
		switch {
		case it.archive:
			err = s.writeArchive(tw, it.path)
		case it.dir:
			err = s.writeTree(tw, it.path, links)
		default:
			name := it.name
			if rename != "" {
				name = rename
			}
			err = s.writeFile(tw, it.path, name, it.mode, links)
		}
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

func (s *tarSource) writeTree(tw *tar.Writer, dir string, links map[[2]uint64]string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		if err := s.ctx.Err(); err != nil {
			return err
		}
		if s.ignored(p) {
			if d.IsDir() && !s.ignore.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return s.writeEntry(tw, p, filepath.ToSlash(rel), 0, links)
	})
}

func (s *tarSource) ignored(p string) bool {
	if s.opts.FromRoot != "" || len(s.opts.Ignore) == 0 {
		return false
	}
	rel, err := filepath.Rel(s.opts.ContextDir, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	m, _ := s.ignore.MatchesOrParentMatches(filepath.ToSlash(rel))
	return m
}

// writeFile writes a top-level file, following a symlink given as source.
func (s *tarSource) writeFile(tw *tar.Writer, p, name string, mode os.FileMode, links map[[2]uint64]string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	return s.writeInfo(tw, p, name, fi, mode, links)
}

func (s *tarSource) writeEntry(tw *tar.Writer, p, name string, mode os.FileMode, links map[[2]uint64]string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	return s.writeInfo(tw, p, name, fi, mode, links)
}

func (s *tarSource) writeInfo(tw *tar.Writer, p, name string, fi os.FileInfo, mode os.FileMode, links map[[2]uint64]string) error {
	var target string
	if fi.Mode()&os.ModeSymlink != 0 {
		var err error
		if target, err = os.Readlink(p); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, target)
	if err != nil {
		return fmt.Errorf("copy %q: %w", p, err)
	}
	hdr.Name, hdr.Uname, hdr.Gname = name, "", ""
	hdr.Uid, hdr.Gid = s.owner.UID, s.owner.GID
	hdr.AccessTime, hdr.ChangeTime = timeZero, timeZero
	if fi.IsDir() {
		hdr.Name += "/"
	}
	if mode == 0 {
		mode = s.mode
	}
	if mode != 0 && hdr.Typeflag != tar.TypeSymlink {
		hdr.Mode = int64(mode)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && st.Nlink > 1 {
		key := [2]uint64{uint64(st.Dev), st.Ino}
		if first, seen := links[key]; seen {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			return tw.WriteHeader(hdr)
		}
		links[key] = name
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	return copyFileInto(tw, p)
}

func copyFileInto(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// writeArchive passes a local archive's entries through; they keep their
// owners unless --chown was given. Entries that climb out of the
// destination are refused by the extraction itself.
func (s *tarSource) writeArchive(tw *tar.Writer, p string) error {
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
	tr := tar.NewReader(ds)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("extract %q: %w", p, err)
		}
		if s.opts.Chown != "" {
			hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = s.owner.UID, s.owner.GID, "", ""
		}
		if s.mode != 0 && hdr.Typeflag != tar.TypeSymlink {
			hdr.Mode = int64(s.mode)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}
