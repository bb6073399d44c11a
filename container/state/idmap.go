package state

import (
	"fmt"

	"go.podman.io/storage/pkg/idtools"
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

// Owner is a numeric user and group.
type Owner struct{ UID, GID int }
