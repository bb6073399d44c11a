package diff

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hodbuild/hod/copier"
	"golang.org/x/sys/unix"
)

// Entry is one file of a tree, as a diff compares it.
type Entry struct {
	Type    string            `json:"type"` // file, dir, symlink, hardlink, char, block, fifo
	Mode    os.FileMode       `json:"mode"` // permission and special bits
	UID     int               `json:"uid"`
	GID     int               `json:"gid"`
	Size    int64             `json:"size"`
	ModTime time.Time         `json:"mtime"`
	Digest  string            `json:"digest,omitempty"` // of a file's content
	Link    string            `json:"link,omitempty"`   // symlink or hard link target
	Xattrs  map[string]string `json:"xattrs,omitempty"`
	Dev     string            `json:"dev,omitempty"` // a device's "MAJOR:MINOR"
}

// Tree is a root filesystem by absolute path ("/etc/hosts").
type Tree map[string]Entry

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// ApplyLayer applies one layer's tar stream to t, as a storage driver
// would: whiteouts remove what lower layers had (".wh.NAME" a path and
// everything under it, ".wh..wh..opq" a directory's lower contents), then
// the layer's own entries are added.
func (t Tree) ApplyLayer(r io.Reader) error {
	tr := tar.NewReader(r)
	own := Tree{}
	var removed, opaque []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read layer: %w", err)
		}
		name := clean(hdr.Name)
		dir, base := path.Split(name)
		switch {
		case base == opaqueMarker:
			opaque = append(opaque, path.Clean(dir))
			continue
		case strings.HasPrefix(base, whiteoutPrefix):
			removed = append(removed, path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)))
			continue
		}
		e, err := tarEntry(hdr, tr)
		if err != nil {
			return fmt.Errorf("read layer: %s: %w", name, err)
		}
		if e.Type == "hardlink" {
			e.Link = clean(hdr.Linkname)
			if target, ok := own[e.Link]; ok {
				e.Digest, e.Size = target.Digest, target.Size
			} else if target, ok := t[e.Link]; ok {
				e.Digest, e.Size = target.Digest, target.Size
			}
		}
		own[name] = e
	}
	for _, dir := range opaque {
		t.removeUnder(dir, false)
	}
	for _, p := range removed {
		t.removeUnder(p, true)
	}
	for p, e := range own {
		if old, ok := t[p]; ok && old.Type == "dir" && e.Type != "dir" {
			t.removeUnder(p, false) // a file replacing a directory replaces its contents
		}
		t[p] = e
	}
	return nil
}

// removeUnder removes everything below p, and p itself with self.
func (t Tree) removeUnder(p string, self bool) {
	prefix := strings.TrimSuffix(p, "/") + "/"
	for q := range t {
		if strings.HasPrefix(q, prefix) || self && q == p {
			delete(t, q)
		}
	}
}

// clean is a tar entry's name as an absolute path.
func clean(name string) string { return path.Join("/", name) }

func tarEntry(hdr *tar.Header, r io.Reader) (Entry, error) {
	e := Entry{Mode: os.FileMode(hdr.Mode & 0o7777), UID: hdr.Uid, GID: hdr.Gid, ModTime: hdr.ModTime.UTC()}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA:
		e.Type, e.Size = "file", hdr.Size
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return e, err
		}
		e.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	case tar.TypeDir:
		e.Type = "dir"
	case tar.TypeSymlink:
		e.Type, e.Link = "symlink", hdr.Linkname
	case tar.TypeLink:
		e.Type = "hardlink"
	case tar.TypeChar, tar.TypeBlock:
		e.Type, e.Dev = map[byte]string{tar.TypeChar: "char", tar.TypeBlock: "block"}[hdr.Typeflag], fmt.Sprintf("%d:%d", hdr.Devmajor, hdr.Devminor)
	case tar.TypeFifo:
		e.Type = "fifo"
	default:
		e.Type = fmt.Sprintf("tar type %q", hdr.Typeflag)
	}
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if e.Xattrs == nil {
				e.Xattrs = map[string]string{}
			}
			e.Xattrs[name] = v
		}
	}
	return e, nil
}

// ReadDir walks a root filesystem into a tree; owner maps a host owner
// to the container's (the identity when the container has no user
// namespace mapping).
func ReadDir(root string, owner func(uid, gid int) (int, int)) (Tree, error) {
	t := Tree{}
	links := map[[2]uint64]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		name := "/" + filepath.ToSlash(rel)
		e, err := fileEntry(p, links, name, owner)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		t[name] = e
		return nil
	})
	return t, err
}

func fileEntry(p string, links map[[2]uint64]string, name string, owner func(uid, gid int) (int, int)) (Entry, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return Entry{}, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	uid, gid := owner(int(st.Uid), int(st.Gid))
	e := Entry{Mode: fi.Mode().Perm() | fi.Mode()&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky), UID: uid, GID: gid, ModTime: fi.ModTime().UTC()}
	// tar carries the special bits as 04000/02000/01000; keep the forms alike.
	e.Mode = os.FileMode(unixMode(e.Mode))
	switch m := fi.Mode(); {
	case m.IsRegular():
		key := [2]uint64{uint64(st.Dev), st.Ino}
		if first, ok := links[key]; ok && st.Nlink > 1 {
			e.Type, e.Link = "hardlink", first
		} else {
			links[key] = name
			e.Type = "file"
		}
		e.Size = fi.Size()
		if e.Digest, err = fileDigest(p); err != nil {
			return e, err
		}
	case m.IsDir():
		e.Type = "dir"
	case m&os.ModeSymlink != 0:
		e.Type = "symlink"
		if e.Link, err = os.Readlink(p); err != nil {
			return e, err
		}
	case m&os.ModeCharDevice != 0:
		e.Type, e.Dev = "char", fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	case m&os.ModeDevice != 0:
		e.Type, e.Dev = "block", fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	case m&os.ModeNamedPipe != 0:
		e.Type = "fifo"
	default:
		e.Type = "socket"
	}
	e.Xattrs, err = copier.LayerXattrs(p)
	return e, err
}

// unixMode is m's permission bits with Go's setuid, setgid and sticky
// flags as tar's 04000, 02000 and 01000.
func unixMode(m os.FileMode) uint32 {
	out := uint32(m.Perm())
	for flag, bit := range map[os.FileMode]uint32{os.ModeSetuid: 0o4000, os.ModeSetgid: 0o2000, os.ModeSticky: 0o1000} {
		if m&flag != 0 {
			out |= bit
		}
	}
	return out
}

func fileDigest(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
