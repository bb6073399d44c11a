package mount

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// ParseVolume parses -v SRC:DST[:OPTIONS] into a mount, with buildah's
// options: ro and rw; mount flags (nosuid, nodev, noexec and their
// opposites, bind, rbind) and propagation (shared, slave, private and
// their r- forms), passed to the runtime; z and Z (SELinux relabelling,
// which this host does without) are accepted and do nothing; U is kept
// in Chown for the caller (the source is given to the container's root);
// O mounts an overlay whose lower layer is SRC, with upperdir= and
// workdir= when given (they then keep the writes), else the writes are
// thrown away with the run (see OverlayDirs). SRC must be an absolute
// host path: an empty or relative one would silently mean the working
// directory.
func ParseVolume(spec string) (rspec.Mount, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return rspec.Mount{}, fmt.Errorf("parse volume %q: want SRC:DST[:OPTIONS]", spec)
	}
	if !filepath.IsAbs(parts[0]) {
		return rspec.Mount{}, fmt.Errorf("invalid host path, must be an absolute path %q", parts[0]) // buildah's words
	}
	m := bind(parts[0], parts[1])
	var overlay, upper, work []string
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			key, value, _ := strings.Cut(o, "=")
			switch key {
			case "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "shared", "rshared",
				"slave", "rslave", "private", "rprivate", "unbindable", "runbindable":
				m.Options = append(m.Options, o)
			case "bind":
				m.Options = slices.DeleteFunc(m.Options, func(s string) bool { return s == "rbind" })
				m.Options = append(m.Options, "bind")
			case "rbind", "z", "Z", "":
			case "U":
				m.Options = append(m.Options, ChownOption)
			case "O":
				overlay = append(overlay, "lowerdir="+m.Source)
			case "upperdir":
				upper = append(upper, "upperdir="+value)
			case "workdir":
				work = append(work, "workdir="+value)
			default:
				return rspec.Mount{}, fmt.Errorf("parse volume %q: unknown option %q", spec, o)
			}
		}
	}
	if overlay != nil {
		if len(upper) != len(work) {
			return rspec.Mount{}, fmt.Errorf("parse volume %q: upperdir and workdir go together", spec)
		}
		ro := slices.Contains(m.Options, "ro")
		m = rspec.Mount{Type: "overlay", Source: "overlay", Destination: m.Destination, Options: append(append(overlay, upper...), work...)}
		if ro {
			m.Options = append(m.Options, "ro")
		}
	}
	return m, checkBind(spec, m)
}

// ChownOption marks a mount whose source is to be given to the
// container's root user (-v's U): not a runtime option, the caller takes
// it out (see TakeChown).
const ChownOption = "hod-chown"

// TakeChown removes the U marks from mounts and returns the sources
// that carried one.
func TakeChown(mounts []rspec.Mount) (out []rspec.Mount, sources []string) {
	for _, m := range mounts {
		if slices.Contains(m.Options, ChownOption) {
			m.Options = slices.DeleteFunc(slices.Clone(m.Options), func(s string) bool { return s == ChownOption })
			sources = append(sources, m.Source)
		}
		out = append(out, m)
	}
	return out, sources
}

// OverlayDirs gives each overlay mount without an upper directory a
// fresh upper and work directory under dir (a run's own directory, gone
// with it), so the run's writes to the volume are thrown away.
func OverlayDirs(mounts []rspec.Mount, dir string) ([]rspec.Mount, error) {
	out := slices.Clone(mounts)
	for i, m := range out {
		if m.Type != "overlay" || slices.ContainsFunc(m.Options, func(s string) bool { return strings.HasPrefix(s, "upperdir=") }) {
			continue
		}
		upper, work := filepath.Join(dir, fmt.Sprintf("overlay-%d", i), "upper"), filepath.Join(dir, fmt.Sprintf("overlay-%d", i), "work")
		for _, d := range []string{upper, work} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
		m.Options = append(slices.Clone(m.Options), "upperdir="+upper, "workdir="+work)
		out[i] = m
	}
	return out, nil
}

// bind is a bind mount of src at dst.
func bind(src, dst string) rspec.Mount {
	return rspec.Mount{Type: "bind", Source: src, Destination: dst, Options: []string{"rbind", "rprivate"}}
}

func checkBind(spec string, m rspec.Mount) error {
	if err := CheckBind(m); err != nil {
		return fmt.Errorf("parse volume %q: %w", spec, err)
	}
	return nil
}

// CheckBind checks a bind (or overlay) mount before a runtime sees it: an
// absolute destination and a source that exists. -v, --mount and a
// build's RUN --mount=type=bind all go through it.
func CheckBind(m rspec.Mount) error {
	if !path.IsAbs(m.Destination) {
		return fmt.Errorf("destination %q is not absolute", m.Destination)
	}
	source := m.Source
	if m.Type == "overlay" {
		source = strings.TrimPrefix(m.Options[0], "lowerdir=")
	}
	_, err := os.Stat(source)
	return err
}

// tmpfsSize is what the kernel takes as tmpfs size=: bytes, or k/m/g units.
var tmpfsSize = regexp.MustCompile(`^[0-9]+[kKmMgG]?$`)

// Roots are the directories ParseMount resolves sources in: cache mounts
// persist between runs in a directory per id under Cache; with Context
// set (run --contextdir), a bind mount's source is a path inside Context
// and cannot leave it.
type Roots struct{ Cache, Context string }

// ParseMount parses --mount type=bind|tmpfs|cache,...
func ParseMount(spec string, roots Roots) (rspec.Mount, error) {
	kv, flags, err := ParseFields(spec)
	if err != nil {
		return rspec.Mount{}, fmt.Errorf("parse mount %w", err)
	}
	dst := cmp.Or(kv["destination"], kv["dst"], kv["target"])
	if dst == "" || !path.IsAbs(dst) {
		return rspec.Mount{}, fmt.Errorf("parse mount %q: want an absolute destination (dst=)", spec)
	}
	var m rspec.Mount
	switch kv["type"] {
	case "bind":
		src := cmp.Or(kv["source"], kv["src"])
		switch {
		case roots.Context != "":
			if src, err = securejoin.SecureJoin(roots.Context, src); err != nil {
				return m, fmt.Errorf("parse mount %q: %w", spec, err)
			}
		case src == "":
			return m, fmt.Errorf("parse mount %q: must set volume source", spec) // buildah's words
		case !filepath.IsAbs(src):
			return m, fmt.Errorf("invalid host path, must be an absolute path %q", src)
		}
		m = bind(src, dst)
		if err := checkBind(spec, m); err != nil {
			return m, err
		}
	case "tmpfs":
		m = rspec.Mount{Type: "tmpfs", Source: "tmpfs", Destination: dst, Options: []string{"nosuid", "nodev"}}
		if s := kv["tmpfs-size"]; s != "" {
			if !tmpfsSize.MatchString(s) {
				return m, fmt.Errorf("parse mount %q: tmpfs-size %q: want bytes, or a number with k, m or g", spec, s)
			}
			m.Options = append(m.Options, "size="+s)
		}
		if s := kv["tmpfs-mode"]; s != "" {
			if mode, err := strconv.ParseUint(s, 8, 32); err != nil || mode > 0o7777 {
				return m, fmt.Errorf("parse mount %q: tmpfs-mode %q: want an octal mode", spec, s)
			}
			m.Options = append(m.Options, "mode="+s)
		}
	case "cache":
		if m, err = Cache(roots.Cache, cmp.Or(kv["id"], dst), dst); err != nil {
			return m, fmt.Errorf("parse mount %q: %w", spec, err)
		}
	default:
		return m, fmt.Errorf("parse mount %q: type must be bind, tmpfs or cache", spec)
	}
	for _, f := range flags {
		switch f {
		case "ro", "readonly":
			m.Options = append(m.Options, "ro")
		case "rw", "z", "Z", "U", "tmpcopyup", "notmpcopyup":
			// SELinux labels (z, Z) and copy-up are accepted as buildah
			// accepts them; U on a cache belongs to hod already.
		case "nosuid", "suid", "nodev", "dev", "noexec", "exec", "shared", "rshared", "slave", "rslave", "private", "rprivate":
			m.Options = append(m.Options, f)
		default:
			return m, fmt.Errorf("parse mount %q: unknown option %q", spec, f)
		}
	}
	return m, nil
}

// Cache is a bind mount at dst of the persistent directory of cache id under
// root; ids are hashed so any string is a safe, fixed-length directory name.
func Cache(root, id, dst string) (rspec.Mount, error) {
	dir := filepath.Join(root, CacheName(id))
	return bind(dir, dst), os.MkdirAll(dir, 0o755)
}

// InContext confines an absolute host path to dir: it must lie inside dir,
// and symbolic links on the way are resolved inside dir (run --contextdir).
func InContext(dir, source string) (string, error) {
	rel, err := Within(dir, source)
	if err != nil {
		return "", err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return securejoin.SecureJoin(root, rel)
}

// CacheName is the directory name of cache id under the cache root.
func CacheName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}
