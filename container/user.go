package container

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hodbuild/hod/container/state"
)

// Owner is a numeric user and group.
type Owner = state.Owner

// LookupOwner resolves "user[:group]" (names or numbers) against the
// /etc/passwd and /etc/group inside root. The files are opened through
// securejoin, so a rootfs whose /etc/passwd is a symlink to the host's
// cannot make hod read host accounts.
func LookupOwner(root, spec string) (Owner, error) {
	if err := CheckOwner(spec); err != nil {
		return Owner{}, err
	}
	user, group, hasGroup := strings.Cut(spec, ":")
	uid, primaryGID, err := lookupID(root, "/etc/passwd", user, 3)
	if errors.Is(err, errNotFound) {
		// buildah's words (scripts and its tests look for them).
		return Owner{}, fmt.Errorf("user: unknown user error looking up user %q", user)
	}
	if err != nil {
		return Owner{}, fmt.Errorf("look up user %q: %w", user, err)
	}
	if !hasGroup {
		return Owner{UID: uid, GID: primaryGID}, nil
	}
	gid, _, err := lookupID(root, "/etc/group", group, -1)
	if err != nil {
		return Owner{}, fmt.Errorf("look up group %q: %w", group, err)
	}
	return Owner{UID: uid, GID: gid}, nil
}

// maxID is the largest user or group ID: (uid_t)-1 means "no change" to
// the kernel and cannot own a file.
const maxID = math.MaxUint32 - 1

// CheckOwner checks the form of "user[:group]" without a root filesystem:
// both parts present when given, numeric IDs within 0-4294967294.
func CheckOwner(spec string) error {
	user, group, hasGroup := strings.Cut(spec, ":")
	if user == "" || (hasGroup && group == "") {
		// buildah's words first: scripts and its tests look for them.
		return fmt.Errorf("looking up UID/GID for %q: can't find uid for user %s: want USER[:GROUP]", spec, user)
	}
	for _, part := range []string{user, group} {
		if _, err := parseID(part); err != nil && !errors.Is(err, strconv.ErrSyntax) {
			return err
		}
	}
	return nil
}

var errNotFound = errors.New("not found")

// parseID parses a numeric ID; strconv.ErrSyntax means a name.
func parseID(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, strconv.ErrSyntax
	}
	if err != nil || n < 0 || n > maxID {
		return 0, fmt.Errorf("ID %s out of range 0-%d", s, maxID)
	}
	return int(n), nil
}

// The account files are parsed here, not with github.com/moby/sys/user
// (in go.mod, and what runc uses): its parser reads a malformed ID field
// as 0, so a line "app:x:abc:…" would make USER app run as root, where hod
// refuses the file (TestLookupOwnerRefusesMalformedIDs). Its lookups also
// give a numeric user missing from /etc/passwd group 0; buildah, and hod,
// give it the group of the same number.

// lookupID finds name in a passwd-style file and returns its ID (field 2)
// and, when extraField >= 0, that field too. A number is taken as is; its
// extra field is looked up when present and is the number itself otherwise.
func lookupID(root, file, name string, extraField int) (int, int, error) {
	n, numErr := parseID(name)
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
		id, err := parseID(fields[2])
		if err != nil {
			return 0, 0, fmt.Errorf("%s: bad ID %q", file, fields[2])
		}
		extra := id
		if extraField >= 0 && len(fields) > extraField {
			if extra, err = parseID(fields[extraField]); err != nil {
				return 0, 0, fmt.Errorf("%s: bad ID %q", file, fields[extraField])
			}
		}
		return id, extra, nil
	}
	if numErr == nil {
		return n, n, nil
	}
	return 0, 0, fmt.Errorf("%w in %s", errNotFound, file)
}

// SupplementaryGroups are the groups /etc/group inside root lists the
// user with ID uid as a member of (by the name /etc/passwd gives it), as
// buildah adds them when USER names no group. buildah matches member
// lists by substring; hod by name, so "ann" is not in a group of "joanna".
func SupplementaryGroups(root string, uid int) ([]int, error) {
	name, err := userName(root, uid)
	if err != nil || name == "" {
		return nil, err
	}
	path, err := securejoin.SecureJoin(root, "/etc/group")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var gids []int
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Split(scanner.Text(), ":")
		if len(fields) != 4 || !slices.Contains(strings.Split(fields[3], ","), name) {
			continue
		}
		if gid, err := parseID(fields[2]); err == nil {
			gids = append(gids, gid)
		}
	}
	return gids, scanner.Err()
}

// userName is the name /etc/passwd inside root gives uid; "" if none.
func userName(root string, uid int) (string, error) {
	path, err := securejoin.SecureJoin(root, "/etc/passwd")
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Split(scanner.Text(), ":")
		if len(fields) >= 3 && fields[2] == strconv.Itoa(uid) {
			return fields[0], nil
		}
	}
	return "", scanner.Err()
}
