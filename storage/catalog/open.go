package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/storage/lease"
	stypes "go.podman.io/storage/types"
)

// Open is the store so describes, if the catalog can read it as
// containers/storage would: one image store, no transient store, and
// nothing left by a killed hod for the full binary's store open to clean
// up (nor a live writer's entry, which looks the same).
func Open(so stypes.StoreOptions) (*Store, error) {
	if so.GraphDriverName == "" {
		so.GraphDriverName = priorDriver(so.GraphRoot)
	}
	if so.GraphDriverName == "" || so.TransientStore || so.ImageStore != "" {
		return nil, fmt.Errorf("driver %q, transient store, image store: %w", so.GraphDriverName, ErrHandOver)
	}
	for _, o := range so.GraphDriverOptions {
		if !readNeutral(o) {
			return nil, fmt.Errorf("storage option %q: %w", o, ErrHandOver)
		}
	}
	s := &Store{GraphRoot: so.GraphRoot, RunRoot: so.RunRoot, Driver: so.GraphDriverName}
	if held, busy := lease.Busy(lease.Roots{GraphRoot: s.GraphRoot, RunRoot: s.RunRoot}); busy {
		return nil, fmt.Errorf("%s: %w", held, ErrHandOver)
	}
	if _, err := os.Stat(s.dir(s.GraphRoot, "images")); err != nil {
		return nil, fmt.Errorf("a store never opened: %w", ErrHandOver)
	}
	return s, nil
}

// priorDriver is the driver containers/storage picks for a store whose
// configuration names none, where that is plain: overlay, the first of
// its priorities, when the store has used it and no other driver. Else
// it is "", and the full binary decides.
func priorDriver(graphRoot string) string {
	for _, d := range []string{"vfs", "zfs", "btrfs"} {
		if _, err := os.Stat(filepath.Join(graphRoot, d)); err == nil {
			return ""
		}
	}
	if _, err := os.Stat(filepath.Join(graphRoot, "overlay")); err != nil {
		return ""
	}
	return "overlay"
}

// readNeutral says whether a graph driver option leaves what the catalog
// reads as it is: it shapes mounts and new layers only. Any other option
// (additional image or layer stores, composefs, a newer option) hands the
// call over: the front models only what it knows.
func readNeutral(option string) bool {
	key, _, _ := strings.Cut(option, "=")
	if _, k, ok := strings.Cut(key, "."); ok {
		key = k // overlay.mountopt, overlay2.size
	}
	switch strings.ToLower(key) {
	case "mountopt", "mount_program", "ignore_chown_errors", "skip_mount_home", "force_mask", "size", "inodes", "mount-program":
		return true
	}
	return false
}
