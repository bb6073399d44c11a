package cmd

import (
	"errors"

	"github.com/hodbuild/hod/container/state"

	"github.com/hodbuild/hod/container"
	"github.com/spf13/cobra"
)

// usernsFlags are from's and bud's --userns flags: the working
// container's user namespace.
type usernsFlags struct {
	userns, uidMapUser, gidMapGroup string
	uidMaps, gidMaps                []string
}

func addUsernsFlags(cmd *cobra.Command, u *usernsFlags) {
	f := cmd.Flags()
	f.StringVar(&u.userns, "userns", "", "user namespace: host (none), container (a new one, mapped by the flags below), or /proc/PID/ns/user to join")
	f.StringArrayVar(&u.uidMaps, "userns-uid-map", nil, "CONTAINERUID:HOSTUID:SIZE UID mapping of the user namespace (repeatable, or comma-separated)")
	f.StringArrayVar(&u.gidMaps, "userns-gid-map", nil, "CONTAINERGID:HOSTGID:SIZE GID mapping (default: the UID mapping)")
	f.StringVar(&u.uidMapUser, "userns-uid-map-user", "", "map UIDs from this user's /etc/subuid ranges")
	f.StringVar(&u.gidMapGroup, "userns-gid-map-group", "", "map GIDs from this group's /etc/subgid ranges")
}

// idMap resolves the flags as buildah does: a missing GID mapping is the
// UID mapping's numbers (or the same name's subgid ranges), and the other
// way round.
func (u usernsFlags) idMap() (state.IDMap, error) {
	var m state.IDMap
	switch u.userns {
	case "", "host", "container":
	default:
		return container.NamespaceIDMap(u.userns)
	}
	var err error
	for _, s := range u.uidMaps {
		if m.UIDs, err = appendMap(m.UIDs, s); err != nil {
			return m, err
		}
	}
	for _, s := range u.gidMaps {
		if m.GIDs, err = appendMap(m.GIDs, s); err != nil {
			return m, err
		}
	}
	uidUser, gidGroup := u.uidMapUser, u.gidMapGroup
	if uidUser == "" && len(m.UIDs) == 0 {
		uidUser = gidGroup
	}
	if gidGroup == "" && len(m.GIDs) == 0 {
		gidGroup = uidUser
	}
	if uidUser != "" && len(m.UIDs) == 0 {
		if m.UIDs, err = container.SubIDs("/etc/subuid", uidUser); err != nil {
			return m, err
		}
	}
	if gidGroup != "" && len(m.GIDs) == 0 {
		if m.GIDs, err = container.SubIDs("/etc/subgid", gidGroup); err != nil {
			return m, err
		}
	}
	switch {
	case len(m.GIDs) == 0:
		m.GIDs = m.UIDs
	case len(m.UIDs) == 0:
		m.UIDs = m.GIDs
	}
	if u.userns == "host" && !m.Empty() {
		return m, errors.New("--userns host takes no ID mapping")
	}
	if u.userns == "container" && m.Empty() {
		return m, errors.New("--userns container needs --userns-uid-map or --userns-uid-map-user")
	}
	return m, nil
}

func appendMap(to []state.IDMapEntry, spec string) ([]state.IDMapEntry, error) {
	more, err := container.ParseIDMap(spec)
	return append(to, more...), err
}
