package catalog

import (
	"fmt"

	"github.com/hodbuild/hod/container/state"
)

// OpenWorking reads the state of the working container nameOrID names (a
// name, an ID or an ID prefix, as containers/storage looks one up), and
// its storage container's record: the one lookup of both binaries (the
// full binary's container.Open reads through its store's view).
func OpenWorking(cat Reader, nameOrID string) (*state.State, Container, error) {
	all, err := cat.Containers()
	if err != nil {
		return nil, Container{}, fmt.Errorf("open container %q: %w", nameOrID, err)
	}
	return FindWorking(cat, all, nameOrID)
}

// FindWorking is the working container nameOrID names among all.
func FindWorking(cat Reader, all []Container, nameOrID string) (*state.State, Container, error) {
	c, ok := FindContainer(all, nameOrID)
	if !ok {
		return nil, c, fmt.Errorf("reading build container %q: %w", nameOrID, state.ErrNotFound)
	}
	st, err := state.Read(cat.ContainerDir(c.ID))
	if err != nil {
		return nil, c, fmt.Errorf("open container %q: %w", nameOrID, err)
	}
	return &st, c, nil
}

// WorkingContainers are hod's working containers (their states) and the
// store's other containers, in store order.
func WorkingContainers(cat Reader) ([]state.State, []Container, error) {
	all, err := cat.Containers()
	if err != nil {
		return nil, nil, fmt.Errorf("list containers: %w", err)
	}
	var ours []state.State
	var others []Container
	for _, c := range all {
		if st, err := state.Read(cat.ContainerDir(c.ID)); err == nil {
			ours = append(ours, st)
		} else {
			others = append(others, c)
		}
	}
	return ours, others, nil
}
