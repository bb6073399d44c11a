package copier

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/internal/tarx"
	"github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/unshare"
)

// Options are the settings of Copy. The zero value copies host files
// relative to the current directory, owned by 0:0 with their own modes.
type Options struct {
	// Chown is "user[:group]", resolved in the container's rootfs.
	Chown string
	// Chmod is an octal mode applied to everything copied.
	Chmod string
	// FromRoot is another root filesystem (a mounted container or image)
	// that sources are read from, confined to it, instead of the host.
	FromRoot string
	// ContextDir is where Ignore patterns start; relative host sources
	// start at the current directory, as in buildah.
	ContextDir string
	// Ignore holds .dockerignore-style patterns, relative to ContextDir;
	// IgnoreFile is the file they came from (for messages).
	Ignore     []string
	IgnoreFile string
	// Confine resolves host sources inside ContextDir, as a build confines
	// them to its context: no "..", absolute path or symlink leaves it.
	Confine bool
	// Parents keeps each source's directories below the root sources are
	// confined to (COPY --parents).
	Parents bool
	// Extract unpacks local tar archives (ADD); URLs are downloaded then.
	Extract bool
	// Checksum is the digest a downloaded URL must have.
	Checksum digest.Digest
}

// Copy copies sources into the container at dest with Docker's rules: a
// destination ending in "/", an existing directory or several sources is a
// directory; a directory source copies its contents.
//
// The sources are one tar stream, written into the rootfs by descriptors
// (or, with archives among them, by an extraction chrooted into it), so
// no symlink in the rootfs, no ".." and no archive entry can write outside
// it. The result is the digest of that tar stream, which "hod copy" prints
// as buildah prints its content digest.
func Copy(ctx context.Context, c *container.Container, sources []string, dest string, opts Options) (string, error) {
	root, err := c.Mount()
	if err != nil {
		return "", err
	}
	defer c.Unmount(false) //nolint:errcheck // a failed unmount leaves a mount, not a wrong image
	owner, mode, err := copyAttributes(root, opts)
	if err != nil {
		return "", err
	}
	w, err := newTarSource(ctx, opts, owner, mode)
	if err != nil {
		return "", err
	}
	defer w.cleanup()
	unsafeDest := inContainer(c, dest)
	if _, err := w.expand(sources, false); err != nil {
		return "", err
	}
	destDir, rename := targetDir(root, unsafeDest, w.single())
	// In a container with an ID mapping, files belong to the host IDs its
	// container IDs map to, created directories too.
	hostOwner, err := c.IDMap.ToHost(*owner)
	if err != nil {
		return "", err
	}
	hostDir, err := makeDestDir(root, destDir, &hostOwner, opts.Chown != "" || !c.IDMap.Empty())
	if err != nil {
		return "", fmt.Errorf("create %s in container %s: %w", destDir, c.Name, inContainerTerms(root, err))
	}
	h := sha256.New()
	if w.hasArchive() {
		err = extract(c, root, hostDir, w, rename, h)
	} else {
		err = writeRootfs(c, root, destDir, hostOwner, w, rename, h)
	}
	if err != nil {
		return "", fmt.Errorf("copy to %s in container %s: %w", dest, c.Name, inContainerTerms(root, err))
	}
	if err := c.DropVolumeCopies(destDir); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extract unpacks the stream with containers/storage's extraction,
// chrooted into the rootfs: the way for archives' entries, whose names
// and links hod did not choose. The stream also goes to h.
func extract(c *container.Container, root, hostDir string, w *tarSource, rename string, h io.Writer) error {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(io.MultiWriter(pw, h))
		err := w.write(tw, rename)
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err := chrootarchive.UntarWithRoot(pr, hostDir, &archive.TarOptions{UIDMaps: c.IDMap.UIDs, GIDMaps: c.IDMap.GIDs, IgnoreChownErrors: ignoreChownErrors(c)}, root)
	pr.CloseWithError(err)
	if err != nil && len(w.outsideLinks) > 0 {
		err = fmt.Errorf("%s: %w", w.outsideLinks[0], err)
	}
	return err
}

// writeRootfs writes the stream's entries straight into destDir (see
// tarx.DirWriter) from a goroutine of its own (see behind), the tar
// stream going to h only.
func writeRootfs(c *container.Container, root, destDir string, owner container.Owner, w *tarSource, rename string, h io.Writer) error {
	dest, err := pathrs.OpenInRoot(root, destDir)
	if err != nil {
		return err
	}
	defer dest.Close()
	rootOwner, err := c.IDMap.ToHost(container.Owner{})
	if err != nil {
		return err
	}
	rw, err := tarx.NewDirWriter(dest, tarx.DirOptions{
		Owner:             tarx.FixedOwner(tarx.Owner(owner)),
		Root:              tarx.Owner(rootOwner),
		IgnoreChownErrors: ignoreChownErrors(c),
		InUserNS:          unshare.IsRootless(),
	})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(h)
	queue := newBehind(rw, 16)
	err = w.write(tee{tw, queue}, rename)
	if qerr := queue.Close(); qerr != nil {
		err = qerr // the writer's error is why the walk stopped
	}
	if err != nil {
		rw.Abort()
		return err
	}
	if err := rw.Close(); err != nil {
		return err
	}
	return tw.Close()
}

// Digest is the digest of the tar stream Copy writes for sources (the same
// enumeration, ignore rules, symlink rules and modes), leaving out mtimes
// and the owner, and naming URLs instead of downloading them: a build's
// cache key for COPY and ADD, which thus always describes what a copy
// would write.
func Digest(ctx context.Context, sources []string, opts Options) (string, error) {
	mode, err := checkOptions(opts)
	if err != nil {
		return "", err
	}
	w, err := newTarSource(ctx, opts, &container.Owner{}, mode)
	if err != nil {
		return "", err
	}
	w.onlyKey = true
	urls, err := w.expand(sources, true)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, u := range urls {
		fmt.Fprintf(h, "%s\x00", u)
	}
	tw := tar.NewWriter(h)
	if err := w.write(tw, ""); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// makeDestDir creates the destination directory inside root and returns
// its host path. With --chown, the directories it creates get that owner,
// as in Docker and buildah (existing ones keep theirs).
func makeDestDir(root, dir string, owner *container.Owner, chown bool) (string, error) {
	var missing []string // only needed to give created directories an owner
	for p := path.Clean("/" + dir); chown && p != "/"; p = path.Dir(p) {
		host, err := securejoin.SecureJoin(root, p)
		if err != nil {
			return "", err
		}
		if _, err := os.Lstat(host); err == nil {
			break
		}
		missing = append(missing, host)
	}
	if err := pathrs.MkdirAll(root, dir, 0o755); err != nil {
		return "", err
	}
	for _, host := range missing {
		// Lchown: the directory MkdirAll just made there, never a link's target.
		if err := os.Lchown(host, owner.UID, owner.GID); err != nil {
			return "", err
		}
	}
	return securejoin.SecureJoin(root, dir)
}

// inContainer makes dest absolute against the container's working
// directory. A destination that ends in "/" or names the working directory
// ("." or its path) is a directory, as in buildah: it comes back with a
// trailing "/".
func inContainer(c *container.Container, dest string) string {
	wd := c.Config.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	joined := dest
	if !path.IsAbs(dest) {
		joined = path.Join(wd, dest)
	}
	if (strings.HasSuffix(dest, "/") || path.Clean(joined) == path.Clean(wd)) && !strings.HasSuffix(joined, "/") {
		joined += "/"
	}
	return joined
}

// targetDir splits the destination into the directory the tar stream is
// unpacked in and, for a single file copied to a new name, that name.
func targetDir(root, unsafeDest string, single bool) (dir, rename string) {
	if strings.HasSuffix(unsafeDest, "/") || !single {
		return path.Clean(unsafeDest), ""
	}
	if hostPath, err := securejoin.SecureJoin(root, unsafeDest); err == nil {
		if fi, err := os.Stat(hostPath); err == nil && fi.IsDir() {
			return path.Clean(unsafeDest), ""
		}
	}
	return path.Dir(path.Clean(unsafeDest)), path.Base(unsafeDest)
}

// ParseChmod parses --chmod, an octal mode; "" is 0 (keep modes).
func ParseChmod(chmod string) (os.FileMode, error) {
	if chmod == "" {
		return 0, nil
	}
	m, err := strconv.ParseUint(chmod, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("parse --chmod %q: want an octal mode", chmod)
	}
	return os.FileMode(m), nil
}

// ParseChecksum parses --checksum: a digest with an algorithm hod can
// compute ("" for none).
func ParseChecksum(checksum string) (digest.Digest, error) {
	if checksum == "" {
		return "", nil
	}
	d, err := digest.Parse(checksum)
	if err != nil {
		return "", fmt.Errorf("--checksum %q: %w", checksum, err)
	}
	return d, nil
}

// checkOptions checks the flags Copy and Digest share and returns the
// --chmod mode: the owner's form is checked here, its names in the rootfs.
func checkOptions(opts Options) (os.FileMode, error) {
	mode, err := ParseChmod(opts.Chmod)
	if err != nil {
		return 0, err
	}
	if _, err := ParseChecksum(string(opts.Checksum)); err != nil {
		return 0, err
	}
	if opts.Chown != "" {
		if err := container.CheckOwner(opts.Chown); err != nil {
			return 0, fmt.Errorf("parse --chown %q: %w", opts.Chown, err)
		}
	}
	return mode, nil
}

func copyAttributes(root string, opts Options) (*container.Owner, os.FileMode, error) {
	mode, err := checkOptions(opts)
	if err != nil {
		return nil, 0, err
	}
	if opts.Chown == "" {
		return &container.Owner{}, mode, nil
	}
	owner, err := container.LookupOwner(root, opts.Chown)
	if err != nil {
		return nil, 0, fmt.Errorf("parse --chown %q: %w", opts.Chown, err)
	}
	return &owner, mode, nil
}

// inContainerTerms says err in the container's paths: the host path of its
// root filesystem (a storage driver's directory) means nothing to the
// user. A path that is a symbolic link where a directory is needed is
// named with its target.
func inContainerTerms(root string, err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Path, root+"/") {
		return err
	}
	inside := strings.TrimPrefix(pe.Path, root)
	if target, lerr := os.Readlink(pe.Path); lerr == nil && errors.Is(pe.Err, syscall.ENOTDIR) {
		return fmt.Errorf("%s is a symbolic link to %s, which is not a directory in the container", inside, target)
	}
	return &fs.PathError{Op: pe.Op, Path: inside, Err: pe.Err}
}

// ignoreChownErrors is the store's ignore_chown_errors option (for a user
// whose namespace maps one ID): owners it cannot map are dropped, and the
// files stay the user's own, with a warning.
func ignoreChownErrors(c *container.Container) bool {
	for _, o := range c.Store().GraphOptions() {
		if strings.HasSuffix(o, "ignore_chown_errors=true") {
			logrus.Warn("ignore_chown_errors is set: files of users your namespace cannot map are stored as your own")
			return true
		}
	}
	return false
}
