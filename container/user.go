package container

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// Owner is a numeric user and group.
type Owner struct{ UID, GID int }

// LookupOwner resolves "user[:group]" (names or numbers) against the
// /etc/passwd and /etc/group inside root. The files are opened through
// securejoin, so a rootfs whose /etc/passwd is a symlink to the host's
// cannot make hod read host accounts.
func LookupOwner(root, spec string) (Owner, error) {
	user, group, hasGroup := strings.Cut(spec, ":")
	uid, primaryGID, err := lookupID(root, "/etc/passwd", user, 3)
	if err != nil {
		return Owner{}, fmt.Errorf("look up user %q: %w", user, err)
	}
	if !hasGroup {
		return Owner{uid, primaryGID}, nil
	}
	gid, _, err := lookupID(root, "/etc/group", group, -1)
	if err != nil {
		return Owner{}, fmt.Errorf("look up group %q: %w", group, err)
	}
	return Owner{uid, gid}, nil
}

// lookupID finds name in a passwd-style file and returns its ID (field 2)
// and, when extraField >= 0, that field too. A number is taken as is; its
// extra field is looked up when present and is the number itself otherwise.
func lookupID(root, file, name string, extraField int) (int, int, error) {
	n, numErr := strconv.Atoi(name)
	path, err := securejoin.SecureJoin(root, file)
	if err != nil {
		return 0, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		if numErr == nil {
			return n, n, nil
		}
		return 0, 0, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Split(scanner.Text(), ":")
		if len(fields) < 3 || (fields[0] != name && fields[2] != name) {
			continue
		}
		id, err := strconv.Atoi(fields[2])
		if err != nil {
			return 0, 0, fmt.Errorf("%s: bad ID %q", file, fields[2])
		}
		extra := id
		if extraField >= 0 && len(fields) > extraField {
			extra, _ = strconv.Atoi(fields[extraField])
		}
		return id, extra, nil
	}
	if numErr == nil {
		return n, n, nil
	}
	return 0, 0, fmt.Errorf("not found in %s", file)
}
