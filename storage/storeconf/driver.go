package storeconf

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// rootlessDriver picks the storage driver for a rootless hod whose store
// options name overlay (or nothing) and whose user chose none: native
// overlay inside the user namespace where the kernel has it (5.13 and
// later), else overlay through fuse-overlayfs, else vfs.
func rootlessDriver(driver string, options []string) (string, []string) {
	if !unshare.IsRootless() || (driver != "" && driver != "overlay") || hasMountProgram(options) {
		return driver, options
	}
	_, major, minor := kernelVersion()
	fuse, _ := exec.LookPath("fuse-overlayfs")
	d, o := chooseDriver(major, minor, fuse)
	if d == "overlay" && len(o) == 0 {
		return driver, options
	}
	logrus.Infof("rootless storage: %s %v (kernel %d.%d has no overlay in user namespaces)", d, o, major, minor)
	return d, append(options, o...)
}

// chooseDriver is rootlessDriver's decision.
func chooseDriver(major, minor int, fuseOverlayfs string) (string, []string) {
	switch {
	case usernsOverlay(major, minor):
		return "overlay", nil
	case fuseOverlayfs != "":
		return "overlay", []string{"overlay.mount_program=" + fuseOverlayfs}
	}
	return "vfs", nil
}

// stackableDriver picks vfs for a store the user chose no driver for whose
// root lies on overlayfs (a container's own root filesystem, in a pod
// without a volume): the kernel's overlay cannot stack there, and
// containers/storage would refuse every call, having noted overlay as the
// store's driver on the first.
func stackableDriver(graphRoot, driver string, options []string) (string, []string) {
	if (driver != "" && driver != "overlay") || hasMountProgram(options) || !onOverlayfs(graphRoot) {
		return driver, options
	}
	logrus.Infof("storage: vfs (%s is on overlayfs, where overlay cannot stack)", graphRoot)
	return "vfs", nil
}

// onOverlayfs says whether path, or its nearest existing parent, is on overlayfs.
func onOverlayfs(path string) bool {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		var st unix.Statfs_t
		if err := unix.Statfs(p, &st); err == nil {
			return st.Type == unix.OVERLAYFS_SUPER_MAGIC
		}
		if p == "/" || p == "." {
			return false
		}
	}
}

func hasMountProgram(options []string) bool {
	return slices.ContainsFunc(options, func(o string) bool { return strings.Contains(o, "mount_program=") })
}

// usernsOverlay says whether kernel major.minor mounts overlay inside a
// user namespace (5.13 and later).
func usernsOverlay(major, minor int) bool { return major > 5 || major == 5 && minor >= 13 }

// KernelUsernsOverlay is the running kernel's release, and whether it
// mounts overlay inside a user namespace.
func KernelUsernsOverlay() (string, bool) {
	release, major, minor := kernelVersion()
	return release, usernsOverlay(major, minor)
}

func kernelVersion() (release string, major, minor int) {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "", 0, 0
	}
	release = unix.ByteSliceToString(u.Release[:])
	fmt.Sscanf(release, "%d.%d", &major, &minor)
	return release, major, minor
}
