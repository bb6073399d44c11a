// Package lease is hod's one crash-recovery registry. Whatever a hod
// process leaves that must be undone if it dies is held under a lease: a
// directory the process keeps locked while it lives (internal/lockdir),
// whose files note what to undo. The kernel drops the lock however the
// process dies, so a lease nobody holds is a dead process's leftovers.
//
// There are three kinds (Kinds), each with its directories and its
// name pattern:
//   - Write: a write journal (storage.BeginWrite): layers, images and
//     containers a commit, pull or build creates, container moves, and the
//     mount references it holds;
//   - Run: a run's bundle (package run): the runtime container or chroot
//     child, the bundle's mounts, and the container mount it holds;
//   - Staging: a transfer's directory for big files.
//
// Busy answers "is any lease there, live or dead" for both binaries: the
// front hands a call over while one is, and the full binary reaps only
// then. Reap is the one cleanup, run when the full binary opens a store:
// each kind's dead leases go to the handler that knows how to undo them,
// runs first, as they hold mounts that writes' layers may lie under.
//
// It links neither containers/storage nor containers/image, as the front
// uses it.
package lease

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/internal/lockdir"
	"github.com/hodbuild/hod/storage/storeconf"
)

// Roots are the store's roots, which place the leases.
type Roots struct{ GraphRoot, RunRoot string }

// Kind is one sort of lease.
type Kind struct {
	name    string
	dirs    func(Roots) []string
	prefix  string // a lease's name starts with it ("" for runs: CONTAINER-)
	pattern string // matches its leases and not lockdir's half-made names
}

// The kinds, in the order Reap visits them.
var (
	Run = Kind{"run", func(r Roots) []string { return []string{storeconf.RunsDir(r.RunRoot), storeconf.UsernsRunDir} },
		"", storeconf.RunPattern}
	Write = Kind{"write", func(r Roots) []string { return []string{storeconf.JournalDir(r.GraphRoot)} },
		storeconf.JournalPrefix, storeconf.JournalPrefix + "*"}
	Staging = Kind{"staging", func(r Roots) []string { return []string{storeconf.StagingDir(r.GraphRoot)} },
		storeconf.StagingPrefix, storeconf.StagingPrefix + "*"}
	kinds = []Kind{Run, Write, Staging}
)

// Dirs are the directories k's leases live in.
func (k Kind) Dirs(r Roots) []string { return k.dirs(r) }

// Take starts a lease of kind k in dir, one of k.Dirs (runs choose theirs:
// in a user namespace, bundles must be reachable by the namespace's root).
// name is the run's container prefix for runs; other kinds have their own.
func (k Kind) Take(dir, name string) (*lockdir.Dir, error) {
	if k.prefix != "" {
		name = k.prefix
	}
	d, err := lockdir.New(dir, name)
	if err != nil {
		return nil, fmt.Errorf("%s lease: %w", k.name, err)
	}
	return d, nil
}

// Live says whether the lease at dir is held by a living process.
func Live(dir string) bool { return lockdir.Live(dir) }

// Busy names a lease of any kind, live or dead, if there is one: the front
// cannot tell a live writer's records from a dead one's leftovers, so it
// hands the call over to the full binary, which reaps the dead ones.
func Busy(r Roots) (string, bool) {
	for _, k := range kinds {
		for _, dir := range k.dirs(r) {
			if matches, _ := filepath.Glob(filepath.Join(dir, k.pattern)); len(matches) > 0 {
				return matches[0], true
			}
		}
	}
	return "", false
}

// NoteMount records in the lease at dir that its holder took a mount
// reference on container id, just before; ForgetMount forgets it once the
// reference is dropped. Reap drops the references a dead holder noted,
// whatever the lease's kind. The instants between mount and note, and
// between unmount and forgetting, are the only windows left.
func NoteMount(dir, id string) error {
	return os.WriteFile(filepath.Join(dir, mountNote+id), nil, 0o600)
}

// ForgetMount forgets a reference NoteMount recorded.
func ForgetMount(dir, id string) { _ = os.Remove(filepath.Join(dir, mountNote+id)) }

const mountNote = "mount-"

// dropMounts drops the mount references noted in a dead lease.
func dropMounts(dir string, unmount func(id string) error) error {
	notes, _ := filepath.Glob(filepath.Join(dir, mountNote+"*"))
	for _, n := range notes {
		if unmount == nil {
			return fmt.Errorf("%s notes mount references and no handler drops them", dir)
		}
		if err := unmount(strings.TrimPrefix(filepath.Base(n), mountNote)); err != nil {
			return err
		}
		ForgetMount(dir, strings.TrimPrefix(filepath.Base(n), mountNote))
	}
	return nil
}

// Handlers undo dead leases; Reap removes each lease once its handler
// returns nil, and stops at the first error, keeping that lease.
type Handlers struct {
	// Unmount drops one mount reference on a container, noted (NoteMount)
	// by a dead lease of any kind; it runs after the kind's own handler,
	// which may need the mount still.
	Unmount func(id string) error
	// Run gives the cleanup for the bundles of the container whose ID
	// starts with prefix, or false when the container is not this store's
	// (the user-namespace bundle directory is shared by stores) or gone.
	Run func(prefix string) (func(dir string) error, bool)
	// Write undoes all dead journals at once: a layer one journal notes may
	// be another's parent.
	Write func(dirs []string) error
}

// Reap undoes what dead processes left under every kind of lease in the
// store at r. A kind whose handler is nil is only removed (staging).
func Reap(r Roots, h Handlers) error {
	if _, busy := Busy(r); !busy {
		return nil
	}
	for _, dir := range Run.dirs(r) {
		for _, prefix := range deadRunPrefixes(dir) {
			if err := ReapRuns(r, prefix, h); err != nil {
				return err
			}
		}
	}
	writes := func(dirs []string) error {
		if h.Write != nil {
			if err := h.Write(dirs); err != nil {
				return err
			}
		}
		for _, d := range dirs {
			if err := dropMounts(d, h.Unmount); err != nil {
				return err
			}
		}
		return nil
	}
	for _, dir := range Write.dirs(r) {
		if err := lockdir.ReapAll(dir, Write.prefix, writes); err != nil {
			return fmt.Errorf("clean up after killed writes: %w", err)
		}
	}
	for _, dir := range Staging.dirs(r) {
		if err := lockdir.Reap(dir, Staging.prefix, nil); err != nil {
			return fmt.Errorf("clean up staged copies: %w", err)
		}
	}
	return nil
}

// ReapRuns reaps the dead run bundles of one container (prefix, its ID's
// first 12 characters and "-"): rm and run use it for their container.
func ReapRuns(r Roots, prefix string, h Handlers) error {
	if h.Run == nil {
		return nil
	}
	clean, ok := h.Run(prefix)
	if !ok {
		return nil
	}
	reap := func(dir string) error {
		if err := clean(dir); err != nil {
			return err
		}
		return dropMounts(dir, h.Unmount)
	}
	for _, dir := range Run.dirs(r) {
		if err := lockdir.Reap(dir, prefix, reap); err != nil {
			return fmt.Errorf("clean up after killed runs: %w", err)
		}
	}
	return nil
}

// RunLeases are the bundles, live or dead, of the container whose ID
// starts with prefix.
func RunLeases(r Roots, prefix string) []string {
	var all []string
	for _, dir := range Run.dirs(r) {
		found, _ := filepath.Glob(filepath.Join(dir, prefix+"[0-9]*"))
		all = append(all, found...)
	}
	return all
}

// deadRunPrefixes are the container prefixes of dir's bundles that no live
// process holds.
func deadRunPrefixes(dir string) []string {
	found, _ := filepath.Glob(filepath.Join(dir, Run.pattern))
	seen := map[string]bool{}
	var prefixes []string
	for _, bundle := range found {
		prefix, _, _ := strings.Cut(filepath.Base(bundle), "-")
		prefix += "-"
		if seen[prefix] || lockdir.Live(bundle) {
			continue
		}
		seen[prefix] = true
		prefixes = append(prefixes, prefix)
	}
	return prefixes
}
