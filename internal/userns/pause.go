package userns

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"go.podman.io/storage/pkg/reexec"
	"go.podman.io/storage/pkg/unshare"
)

// PauseCommand is the re-exec name of the process that holds the
// namespaces.
const PauseCommand = "hod-pause"

// PauseMain sleeps until killed (SIGTERM or SIGKILL; the end of a login
// session's SIGHUP does not end it).
func PauseMain() {
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP)
	select {}
}

// pidFile records the pause process of user uid (join_linux.go's
// constructor reads it too).
func pidFile(uid int) string {
	return filepath.Join(cmp.Or(os.Getenv("XDG_RUNTIME_DIR"), fallbackRuntimeDir(uid)), "hod", "pause.pid")
}

// fallbackRuntimeDir is user uid's runtime directory when the login gave
// none (join_linux.go's constructor spells it too).
func fallbackRuntimeDir(uid int) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("hod-run-%d", uid))
}

// PausePID is the user's live pause process, or 0.
func PausePID(uid int) int {
	data, err := os.ReadFile(pidFile(uid))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return 0
	}
	// Its command line must still be ours: a PID may be reused.
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err != nil || !strings.HasPrefix(string(cmdline), PauseCommand) {
		return 0
	}
	return pid
}

// StartPause starts the pause process in this (new) user and mount
// namespace, once per user; later hod calls join it.
func StartPause() {
	uid := unshare.GetRootlessUID()
	if PausePID(uid) != 0 {
		return
	}
	file := pidFile(uid)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return
	}
	cmd := reexec.Command(PauseCommand)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		return
	}
	tmp := file + ".tmp"
	if os.WriteFile(tmp, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600) == nil {
		_ = os.Rename(tmp, file)
	}
	_ = cmd.Process.Release()
}

// Path is where a path of hod's mount namespace is seen from the caller's:
// through the pause process's root, for a rootless user.
func Path(p string) string {
	if !unshare.IsRootless() {
		return p
	}
	if pid := PausePID(unshare.GetRootlessUID()); pid != 0 {
		return fmt.Sprintf("/proc/%d/root%s", pid, p)
	}
	return p
}

// EnsureRuntimeDir gives a rootless hod an XDG_RUNTIME_DIR when the login
// did not (su, cron): otherwise containers/image looks for credentials
// under /run/containers/0, the namespace's root's, which the user cannot
// read. It is the directory pidFile falls back to.
func EnsureRuntimeDir() {
	if os.Getenv("XDG_RUNTIME_DIR") != "" || !unshare.IsRootless() {
		return
	}
	dir := fallbackRuntimeDir(unshare.GetRootlessUID())
	if err := os.MkdirAll(dir, 0o700); err == nil {
		os.Setenv("XDG_RUNTIME_DIR", dir)
	}
}

// Preflight checks, before containers/storage re-executes an ordinary
// user's hod in a user namespace, what that needs and would otherwise
// fail on with exit status 1 and no advice: the setuid helpers that map
// the user's /etc/subuid and /etc/subgid ranges.
func Preflight() error {
	me, err := user.Current()
	if err != nil {
		return nil
	}
	uids, gids, err := unshare.GetSubIDMappings(me.Username, me.Username)
	if err != nil || len(uids)+len(gids) == 0 {
		return nil // one ID only: no helper needed
	}
	for _, helper := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(helper); err != nil {
			return fmt.Errorf("%s is needed to map %s's ranges in /etc/subuid and /etc/subgid: install it (sudo apt-get install uidmap); hod doctor checks it", helper, me.Username)
		}
	}
	return nil
}
