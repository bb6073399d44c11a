// Package doctor checks what hod needs from the machine, for root and for
// rootless use, and says for each problem the command that fixes it.
package doctor

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/storage/storeconf"
	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"
)

// Check is one finding: OK or not, what was seen, and the fix.
type Check struct {
	Name, Detail, Fix string
	OK                bool
}

// Run checks the machine for the user uid (the real one, also when hod
// runs in its user namespace). store opens the store and names its driver
// and root.
func Run(uid int, store func() (driver, root string, err error)) []Check {
	var checks []Check
	name := fmt.Sprint(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	if uid != 0 {
		checks = append(checks, subIDs("/etc/subuid", name, "--add-subuids"), subIDs("/etc/subgid", name, "--add-subgids"))
		if os.Getenv("_CONTAINERS_USERNS_CONFIGURED") != "" { // in hod's namespace, not a pod's
			checks = append(checks, mapped("/proc/self/uid_map", "/etc/subuid", name), mapped("/proc/self/gid_map", "/etc/subgid", name))
		}
		for _, helper := range []string{"newuidmap", "newgidmap"} {
			checks = append(checks, setuidHelper(helper))
		}
		checks = append(checks, kernel())
	}
	checks = append(checks, binary("runc", "OCI runtime for run", "apt-get install runc"),
		binary("slirp4netns", "network for run (--network private)", "apt-get install slirp4netns"), tun(uid))
	driver, root, err := store()
	c := Check{Name: "storage", OK: err == nil, Detail: fmt.Sprintf("%s driver at %s", driver, root)}
	if err != nil {
		c.Detail, c.Fix = err.Error(), "check storage.conf (~/.config/containers/storage.conf for a user) or pass --storage-driver vfs"
	}
	return append(checks, c)
}

func subIDs(file, name, flag string) Check {
	c := Check{Name: file, Fix: fmt.Sprintf("sudo usermod %s 100000-165535 %s   # or add the line %s:100000:65536 to %s", flag, name, name, file)}
	ranges, err := container.SubIDs(file, name)
	switch {
	case err == nil && overlap(ranges) != "":
		c.Detail = fmt.Sprintf("%s for %s overlap: newuidmap refuses them, so hod maps your own ID only", overlap(ranges), name)
		c.Fix = fmt.Sprintf("keep one line for %s in %s (or ranges that do not overlap), then pkill -u %s hod-pause", name, file, name)
	case err == nil:
		c.OK, c.Detail, c.Fix = true, fmt.Sprintf("%s for %s", rangeText(ranges), name), ""
	case os.IsNotExist(err):
		c.Detail = err.Error()
	default:
		c.Detail = err.Error() + ": only your own ID can be mapped (files owned by other users cannot be stored)"
	}
	return c
}

// rangeText names ranges as "range 100000+65536" or "ranges A+N, B+M".
func rangeText(ranges []idtools.IDMap) string {
	parts := make([]string, len(ranges))
	for i, r := range ranges {
		parts[i] = fmt.Sprintf("%d+%d", r.HostID, r.Size)
	}
	if len(parts) == 1 {
		return "range " + parts[0]
	}
	return "ranges " + strings.Join(parts, ", ")
}

// overlap names two of ranges whose host IDs overlap, or is "": the kernel
// refuses such a mapping, newuidmap fails, and containers/storage falls
// back to a single ID with a warning on every call that makes a namespace.
func overlap(ranges []idtools.IDMap) string {
	sorted := slices.Clone(ranges)
	slices.SortFunc(sorted, func(a, b idtools.IDMap) int { return a.HostID - b.HostID })
	for i := 1; i < len(sorted); i++ {
		if prev := sorted[i-1]; sorted[i].HostID < prev.HostID+prev.Size {
			return rangeText(sorted[i-1 : i+1])
		}
	}
	return ""
}

// mapped checks the namespace hod runs in (procMap, its uid_map or
// gid_map) against the user's ranges in file: when newuidmap failed for a
// reason the files do not show, or the pause process still holds a
// namespace made before the ranges were fixed, only one ID is mapped.
func mapped(procMap, file, name string) Check {
	c := Check{Name: "user namespace (" + filepath.Base(procMap) + ")"}
	data, err := os.ReadFile(procMap)
	if err != nil {
		c.Detail = err.Error()
		return c
	}
	total := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			n, _ := strconv.Atoi(f[2])
			total += n
		}
	}
	ranges, err := container.SubIDs(file, name)
	if err != nil || total > 1 {
		c.OK, c.Detail = true, fmt.Sprintf("%d IDs mapped", total)
		return c
	}
	c.Detail = fmt.Sprintf("only your own ID is mapped, not the %s in %s: newuidmap/newgidmap failed when the namespace was made (see the warning it printed)", rangeText(ranges), file)
	c.Fix = fmt.Sprintf("fix what the checks above show, then pkill -u %s hod-pause   # the next hod call makes a new namespace", name)
	return c
}

func setuidHelper(helper string) Check {
	c := Check{Name: helper, Fix: "sudo apt-get install uidmap"}
	path, err := exec.LookPath(helper)
	if err != nil {
		c.Detail = "not installed"
		return c
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err == nil && st.Mode&unix.S_ISUID != 0 {
		c.OK, c.Detail, c.Fix = true, path+" (setuid)", ""
		return c
	}
	c.Detail, c.Fix = path+" is not setuid", "sudo chmod u+s "+path
	return c
}

func binary(name, what, fix string) Check {
	if path, err := exec.LookPath(name); err == nil {
		return Check{Name: name, OK: true, Detail: what + ": " + path}
	}
	return Check{Name: name, Detail: what + ": not installed", Fix: "sudo " + fix}
}

func tun(uid int) Check {
	c := Check{Name: "/dev/net/tun", Fix: "sudo chmod 0666 /dev/net/tun   # as Debian ships it"}
	var st unix.Stat_t
	if err := unix.Stat("/dev/net/tun", &st); err != nil {
		c.Detail, c.Fix = err.Error(), "sudo modprobe tun"
		return c
	}
	if uid == 0 || st.Mode&0o006 == 0o006 {
		c.OK, c.Detail, c.Fix = true, "usable by slirp4netns", ""
		return c
	}
	c.Detail = fmt.Sprintf("mode %o: slirp4netns cannot open it as your user, so runs have loopback only", st.Mode&0o777)
	return c
}

func kernel() Check {
	release, ok := storeconf.KernelUsernsOverlay()
	if ok {
		return Check{Name: "kernel", OK: true, Detail: release + ": overlay works inside a user namespace"}
	}
	return Check{Name: "kernel", Detail: release, Fix: "use --storage-driver vfs, or install fuse-overlayfs and set mount_program in storage.conf"}
}
