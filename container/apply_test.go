package container

import (
	"context"
	"testing"

	"github.com/hodbuild/hod/container/state"
)

// ApplyUnsaved changes the state in memory only; Save writes it. A build
// applies each configuration instruction unsaved, so n instructions write
// the state once per commit instead of n times (issue 20: 4,000 LABEL lines
// took 143 s).
func TestApplyUnsavedThenSave(t *testing.T) {
	store := newStore(t)
	c, err := From(context.Background(), store, nil, "scratch", Options{})
	must(t, err)
	c.ApplyUnsaved(state.Label("a", "1"))
	if onDisk, err := Open(store, c.Name); err != nil || onDisk.Config.Config.Labels["a"] != "" {
		t.Fatalf("before Save the stored state has label a=%q (%v)", onDisk.Config.Config.Labels["a"], err)
	}
	must(t, c.Save())
	if onDisk, err := Open(store, c.Name); err != nil || onDisk.Config.Config.Labels["a"] != "1" {
		t.Fatalf("after Save the stored state has label a=%q (%v), want 1", onDisk.Config.Config.Labels["a"], err)
	}
	if got := len(c.Pending); got != 1 {
		t.Errorf("%d history entries, want 1", got)
	}
}
