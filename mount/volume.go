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
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// ParseVolume parses -v SRC:DST[:OPTS] into a bind mount. SRC is a host path
// the user chose; OPTS are ro, rw and SELinux/ownership flags (z, Z, U),
// which are accepted and ignored here.
func ParseVolume(spec string) (rspec.Mount, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return rspec.Mount{}, fmt.Errorf("parse volume %q: want SRC:DST[:OPTIONS]", spec)
	}
	m := bind(parts[0], parts[1])
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro", "rw":
				m.Options = append(m.Options, o)
			case "z", "Z", "U", "":
			default:
				return rspec.Mount{}, fmt.Errorf("parse volume %q: unknown option %q", spec, o)
			}
		}
	}
	return m, checkBind(spec, m)
}

// bind is a bind mount of src, made absolute: the runtime would resolve a
// relative source against its bundle directory, not where the user stood.
func bind(src, dst string) rspec.Mount {
	if abs, err := filepath.Abs(src); err == nil {
		src = abs
	}
	return rspec.Mount{Type: "bind", Source: src, Destination: dst, Options: []string{"rbind", "rprivate"}}
}

func checkBind(spec string, m rspec.Mount) error {
	if !path.IsAbs(m.Destination) {
		return fmt.Errorf("parse volume %q: destination %q is not absolute", spec, m.Destination)
	}
	if _, err := os.Stat(m.Source); err != nil {
		return fmt.Errorf("parse volume %q: %w", spec, err)
	}
	return nil
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
		if roots.Context != "" {
			if src, err = securejoin.SecureJoin(roots.Context, src); err != nil {
				return m, fmt.Errorf("parse mount %q: %w", spec, err)
			}
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
		case "rw":
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

// CacheName is the directory name of cache id under the cache root.
func CacheName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}
