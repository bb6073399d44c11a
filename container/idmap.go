package container

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hodbuild/hod/container/state"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
	stypes "go.podman.io/storage/types"
)

// storageOptions gives a new storage container the mapping.
func storageOptions(m state.IDMap) *cstorage.ContainerOptions {
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
func NamespaceIDMap(path string) (state.IDMap, error) {
	dir, ok := strings.CutSuffix(path, "/ns/user")
	if !ok || !strings.HasPrefix(path, "/proc/") {
		return state.IDMap{}, fmt.Errorf("--userns %q: want host, container or /proc/PID/ns/user", path)
	}
	uids, err := readProcMap(dir + "/uid_map")
	if err != nil {
		return state.IDMap{}, err
	}
	gids, err := readProcMap(dir + "/gid_map")
	if err != nil {
		return state.IDMap{}, err
	}
	return state.IDMap{UIDs: uids, GIDs: gids, NSPath: path}, nil
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
