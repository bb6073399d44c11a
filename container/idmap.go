package container

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
	stypes "go.podman.io/storage/types"
)

// IDMap is a working container's user namespace (from's --userns and
// --userns-*-map flags): which host IDs its container IDs are. Files in its
// root filesystem are owned by host IDs, runs see container IDs, and
// commits record container IDs. The zero value is the host's IDs.
type IDMap struct {
	UIDs []IDMapEntry `json:"uids,omitempty"`
	GIDs []IDMapEntry `json:"gids,omitempty"`
	// NSPath is a user namespace runs join (--userns=/proc/PID/ns/user)
	// instead of one made for each run.
	NSPath string `json:"nspath,omitempty"`
}

// IDMapEntry maps Size IDs from ContainerID on to HostID on.
type IDMapEntry = idtools.IDMap

// Empty reports whether m maps nothing: host IDs are the container's.
func (m IDMap) Empty() bool { return len(m.UIDs) == 0 && len(m.GIDs) == 0 }

// Mappings are m for containers/storage's archive functions; nil when empty.
func (m IDMap) Mappings() *idtools.IDMappings {
	if m.Empty() {
		return nil
	}
	return idtools.NewIDMappingsFromMaps(m.UIDs, m.GIDs)
}

// ToHost is the host owner of a container owner.
func (m IDMap) ToHost(o Owner) (Owner, error) {
	if m.Empty() {
		return o, nil
	}
	pair, err := m.Mappings().ToHost(idtools.IDPair{UID: o.UID, GID: o.GID})
	if err != nil {
		return o, fmt.Errorf("owner %d:%d is outside the container's ID mapping: %w", o.UID, o.GID, err)
	}
	return Owner{UID: pair.UID, GID: pair.GID}, nil
}

func (m IDMap) storageOptions() *cstorage.ContainerOptions {
	if m.Empty() {
		return nil
	}
	return &cstorage.ContainerOptions{IDMappingOptions: stypes.IDMappingOptions{UIDMap: m.UIDs, GIDMap: m.GIDs}}
}

// ParseIDMap parses --userns-uid-map/--userns-gid-map values:
// CONTAINERID:HOSTID:SIZE, several separated by commas.
func ParseIDMap(spec string) ([]idtools.IDMap, error) {
	var out []idtools.IDMap
	for _, part := range strings.Split(spec, ",") {
		f := strings.Split(part, ":")
		if len(f) != 3 {
			return nil, fmt.Errorf("ID mapping %q: want CONTAINERID:HOSTID:SIZE", part)
		}
		var n [3]int
		for i, s := range f {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("ID mapping %q: %q is not an ID", part, s)
			}
			n[i] = int(v)
		}
		if n[2] == 0 || n[0]+n[2] > 1<<32-1 || n[1]+n[2] > 1<<32-1 {
			return nil, fmt.Errorf("ID mapping %q: empty or past the last ID", part)
		}
		out = append(out, idtools.IDMap{ContainerID: n[0], HostID: n[1], Size: n[2]})
	}
	return out, nil
}

// SubIDs maps container IDs 0, 1, ... to name's ranges in file
// (/etc/subuid or /etc/subgid), in file order: --userns-uid-map-user and
// --userns-gid-map-group.
func SubIDs(file, name string) ([]idtools.IDMap, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []idtools.IDMap
	next := 0
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Split(strings.TrimSpace(s.Text()), ":")
		if len(fields) != 3 || fields[0] != name {
			continue
		}
		start, err1 := strconv.Atoi(fields[1])
		size, err2 := strconv.Atoi(fields[2])
		if err := errors.Join(err1, err2); err != nil || size <= 0 {
			return nil, fmt.Errorf("%s: bad line %q", file, s.Text())
		}
		out = append(out, idtools.IDMap{ContainerID: next, HostID: start, Size: size})
		next += size
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no ranges for %q: add a line such as %s:100000:65536", file, name, name)
	}
	return out, nil
}

// NamespaceIDMap reads the mapping of the user namespace at path, which
// must be /proc/PID/ns/user: runs join it (--userns=PATH).
func NamespaceIDMap(path string) (IDMap, error) {
	dir, ok := strings.CutSuffix(path, "/ns/user")
	if !ok || !strings.HasPrefix(path, "/proc/") {
		return IDMap{}, fmt.Errorf("--userns %q: want host, container or /proc/PID/ns/user", path)
	}
	uids, err := readProcMap(dir + "/uid_map")
	if err != nil {
		return IDMap{}, err
	}
	gids, err := readProcMap(dir + "/gid_map")
	if err != nil {
		return IDMap{}, err
	}
	return IDMap{UIDs: uids, GIDs: gids, NSPath: path}, nil
}

func readProcMap(file string) ([]idtools.IDMap, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--userns: %w", err)
	}
	var parts []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			parts = append(parts, strings.Join(f, ":"))
		}
	}
	return ParseIDMap(strings.Join(parts, ","))
}
