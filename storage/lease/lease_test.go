package lease

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hodbuild/hod/storage/storeconf"
)

func roots(t *testing.T) Roots {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir()) // staging's directory
	dir := t.TempDir()
	return Roots{GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run")}
}

// dead leaves a lease as a killed process does: its directory, unlocked.
func dead(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// Busy is one answer for every kind: the front hands over for any lease,
// live or dead, and is free only when there is none.
func TestBusy(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(r Roots) string
	}{
		{"dead write", func(r Roots) string { return dead(t, storeconf.JournalDir(r.GraphRoot), "write-x") }},
		{"dead run", func(r Roots) string { return dead(t, storeconf.RunsDir(r.RunRoot), "0123456789ab-1") }},
		{"dead staging", func(r Roots) string { return dead(t, storeconf.StagingDir(r.GraphRoot), "hod-staging-1") }},
		{"live write", func(r Roots) string {
			d, err := Write.Take(Write.Dirs(r)[0], "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Release() })
			return d.Path
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := roots(t)
			if held, busy := Busy(r); busy {
				t.Fatalf("an empty store is busy: %s", held)
			}
			want := tc.make(r)
			if held, busy := Busy(r); !busy || held != want {
				t.Errorf("Busy = %q, %v; want %q", held, busy, want)
			}
		})
	}
}

// Reap hands each kind's dead leases to its handler, removes them once it
// succeeds, keeps live ones, and leaves another store's run bundles.
func TestReap(t *testing.T) {
	r := roots(t)
	live, err := Write.Take(Write.Dirs(r)[0], "")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Release()
	deadWrite := dead(t, Write.Dirs(r)[0], "write-dead")
	mine := dead(t, storeconf.RunsDir(r.RunRoot), "0123456789ab-7")
	theirs := dead(t, storeconf.RunsDir(r.RunRoot), "ba9876543210-7")
	staged := dead(t, storeconf.StagingDir(r.GraphRoot), "hod-staging-9")

	// Both kinds note the mount references they hold the same way; the
	// live lease's reference must stay.
	for dir, id := range map[string]string{mine: "ctr-run", deadWrite: "ctr-write", live.Path: "ctr-live"} {
		if err := NoteMount(dir, id); err != nil {
			t.Fatal(err)
		}
	}
	var runs, writes, events []string
	err = Reap(r, Handlers{
		Run: func(prefix string) (func(string) error, bool) {
			if prefix != "0123456789ab-" {
				return nil, false
			}
			return func(dir string) error { runs, events = append(runs, dir), append(events, "run"); return nil }, true
		},
		Write: func(dirs []string) error {
			writes, events = append(writes, dirs...), append(events, "write")
			return nil
		},
		Unmount: func(id string) error { events = append(events, "unmount "+id); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(runs, []string{mine}) || !slices.Equal(writes, []string{deadWrite}) {
		t.Errorf("handled runs %v, writes %v; want [%s], [%s]", runs, writes, mine, deadWrite)
	}
	// Runs first, each kind's own cleanup before its mounts are dropped.
	if want := []string{"run", "unmount ctr-run", "write", "unmount ctr-write"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	for p, want := range map[string]bool{live.Path: true, deadWrite: false, mine: false, theirs: true, staged: false} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", p, err == nil, want)
		}
	}
}

// A lease whose holder dropped its mount reference and forgot it is not
// unmounted again when reaped (a run bundle kept because its rootfs could
// not be released).
func TestForgottenMountIsNotDroppedTwice(t *testing.T) {
	r := roots(t)
	d := dead(t, Write.Dirs(r)[0], "write-kept")
	if err := NoteMount(d, "c"); err != nil {
		t.Fatal(err)
	}
	ForgetMount(d, "c")
	err := Reap(r, Handlers{Unmount: func(id string) error { t.Errorf("unmounted %s again", id); return nil }})
	if err != nil {
		t.Fatal(err)
	}
}
