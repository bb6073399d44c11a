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
	return paxRecords(attrs), err
}

// fdXattrRecords is xattrRecords of the file open as fd.
func fdXattrRecords(fd int) (map[string]string, error) {
	attrs, err := layerXattrs(
		func() ([]string, error) { return fdList(fd) },
		func(name string) ([]byte, error) { return fdGet(fd, name) })
	return paxRecords(attrs), err
}

func paxRecords(attrs map[string]string) map[string]string {
	if attrs == nil {
		return nil
	}
	records := make(map[string]string, len(attrs))
	for name, value := range attrs {
		records["SCHILY.xattr."+name] = value
	}
	return records
}

// LayerXattrs reads p's extended attributes that a layer carries (the set
// containers/storage's archive writer keeps: user.* except overlay's own,
// security.capability and security.ima), by name; nil if none.
func LayerXattrs(p string) (map[string]string, error) {
	return layerXattrs(
		func() ([]string, error) { return system.Llistxattr(p) },
		func(name string) ([]byte, error) { return system.Lgetxattr(p, name) })
}

func layerXattrs(list func() ([]string, error), get func(string) ([]byte, error)) (map[string]string, error) {
	names, err := list()
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
		value, err := get(name)
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

// fdList and fdGet are containers/storage's Llistxattr and Lgetxattr
// (which take only paths) for a descriptor: sized by the call itself, and
// asked again if the attributes grew in between.
func fdList(fd int) ([]string, error) {
	buf, err := sized(func(b []byte) (int, error) { return unix.Flistxattr(fd, b) })
	if err != nil || len(buf) == 0 {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(buf), "\x00"), "\x00"), nil
}

func fdGet(fd int, name string) ([]byte, error) {
	return sized(func(b []byte) (int, error) { return unix.Fgetxattr(fd, name, b) })
}

func sized(call func([]byte) (int, error)) ([]byte, error) {
	var small [256]byte
	for buf := small[:]; ; {
		n, err := call(buf)
		if errors.Is(err, unix.ERANGE) {
			if n, err = call(nil); err != nil {
				return nil, err
			}
			buf = make([]byte, n+1)
			continue
		}
		if err != nil {
			return nil, err
		}
		return append([]byte(nil), buf[:n]...), nil
	}
}

func keptXattr(name string) bool {
	if name == "security.capability" || name == "security.ima" {
		return true
	}
	return strings.HasPrefix(name, "user.") && !strings.HasPrefix(name, "user.overlay.")
}
