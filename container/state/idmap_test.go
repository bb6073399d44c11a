package state

import "testing"

func TestIDMapToHost(t *testing.T) {
	m := IDMap{UIDs: []IDMapEntry{{ContainerID: 0, HostID: 100000, Size: 10}}, GIDs: []IDMapEntry{{ContainerID: 0, HostID: 200000, Size: 10}}}
	if o, err := m.ToHost(Owner{UID: 5, GID: 6}); err != nil || o != (Owner{UID: 100005, GID: 200006}) {
		t.Errorf("ToHost(5:6) = %v, %v", o, err)
	}
	if _, err := m.ToHost(Owner{UID: 10}); err == nil {
		t.Error("an owner outside the mapping was mapped")
	}
	if o, _ := (IDMap{}).ToHost(Owner{UID: 7, GID: 7}); o != (Owner{UID: 7, GID: 7}) {
		t.Error("the empty mapping changed an owner")
	}
}
