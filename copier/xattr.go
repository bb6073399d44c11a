package copier

import (
	"errors"
	"strings"

	"go.podman.io/storage/pkg/system"
	"golang.org/x/sys/unix"
)

// xattrRecords reads the extended attributes a layer carries as PAX
// records, so copies keep file capabilities and user attributes through
// commit.
func xattrRecords(p string) (map[string]string, error) {
	attrs, err := LayerXattrs(p)
	if attrs == nil {
		return nil, err
	}
	records := make(map[string]string, len(attrs))
	for name, value := range attrs {
		records["SCHILY.xattr."+name] = value
	}
	return records, nil
}

// LayerXattrs reads p's extended attributes that a layer carries (the set
// containers/storage's archive writer keeps: user.* except overlay's own,
// security.capability and security.ima), by name; nil if none.
func LayerXattrs(p string) (map[string]string, error) {
	names, err := system.Llistxattr(p)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, system.ErrNotSupportedPlatform) {
			return nil, nil
		}
		return nil, err
	}
	var records map[string]string
	for _, name := range names {
		if !keptXattr(name) {
			continue
		}
		value, err := system.Lgetxattr(p, name)
		if err != nil {
			return nil, err
		}
		if records == nil {
			records = map[string]string{}
		}
		records[name] = string(value)
	}
	return records, nil
}

func keptXattr(name string) bool {
	if name == "security.capability" || name == "security.ima" {
		return true
	}
	return strings.HasPrefix(name, "user.") && !strings.HasPrefix(name, "user.overlay.")
}
