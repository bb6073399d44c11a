package storeconf

import (
	"cmp"
	"os"
	"path/filepath"
)

// The directories where hod's writers keep an entry each (a lockdir) for
// their lifetime. A killed writer's entry is what the next call of the
// full binary cleans up after; the front hands a call over to it while any
// entry is there.
const (
	// JournalPrefix names write journals (storage.BeginWrite).
	JournalPrefix = "write-"
	// StagingPrefix names the directories copies stage big files in.
	StagingPrefix = "hod-staging-"
	// UsernsRunDir holds the bundles of runs in a user namespace.
	UsernsRunDir = "/run/hod-userns"
	// RunPattern matches run bundles (CONTAINER-N, CONTAINER a short hex ID)
	// in RunsDir and UsernsRunDir, and not the names lockdir gives a bundle
	// while it is made or removed (".new-…", ".gone-…"): a probe of those
	// for a lock would take the lock from under their maker.
	RunPattern = "[0-9a-f]*-[0-9]*"
)

// The other paths hod owns in a store, each named here only.

// CacheDir holds RUN --mount=type=cache directories (bud, run --mount).
func CacheDir(graphRoot string) string { return filepath.Join(graphRoot, "hod-cache") }

// MountsDir holds the bind mounts that give a rootless caller a container's
// mount path (hod mount).
func MountsDir(runRoot string) string { return filepath.Join(runRoot, "hod-mounts") }

// RuntimeStateDir is the OCI runtime's state root (runc --root) for runs.
func RuntimeStateDir(runRoot string) string { return filepath.Join(runRoot, "hod-runtime") }

// LayerApplyLock serialises commits applying staged layers (commit).
func LayerApplyLock(runRoot string) string { return filepath.Join(runRoot, "hod-layer-apply.lock") }

// DriverStagingLock is held while the storage driver makes a staging
// directory and takes its lock (storage.DriverStagingLock).
func DriverStagingLock(runRoot string) string {
	return filepath.Join(runRoot, "hod-driver-staging.lock")
}

// TargetsFile lists the mount points runs in a container made, in the
// container's run directory.
func TargetsFile(containerRunDir string) string { return filepath.Join(containerRunDir, "hod-targets") }

// VolumesDir holds the copies of a container's volumes (container.VolumeCopyDir)
// in its directory.
func VolumesDir(containerDir string) string { return filepath.Join(containerDir, "hod-volumes") }

// JournalDir holds the journals of writes in the store at graphRoot.
func JournalDir(graphRoot string) string { return filepath.Join(graphRoot, "hod-journal") }

// RunsDir holds the bundles of runs.
func RunsDir(runRoot string) string { return filepath.Join(runRoot, "hod-run") }

// StagingDir is where copies stage layers: $TMPDIR, else containers.conf's
// image_copy_tmp_dir ("storage": the store's own tmp directory), else
// /var/tmp, as buildah chooses.
func StagingDir(graphRoot string) string {
	dir := os.Getenv("TMPDIR")
	if dir == "" {
		dir = cmp.Or(ContainersConf().Engine.ImageCopyTmpDir, "/var/tmp")
	}
	if dir == "storage" {
		dir = filepath.Join(graphRoot, "tmp")
	}
	return dir
}
