package run

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/hodbuild/hod/mount"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// slirpDNS is the resolver slirp4netns answers on inside the namespace,
// forwarding to the host's: what buildah writes into resolv.conf for it.
const slirpDNS = "10.0.2.3"

// slirpGuestIP is the run's own address behind slirp4netns (its default
// --configure address, 10.0.2.100/24), which /etc/hosts names.
const slirpGuestIP = "10.0.2.100"

// outside connects a private network namespace to the outside world with
// slirp4netns, as buildah and podman do without a bridge: a user-mode
// TCP/IP stack behind a tap device, so no firewall rule or host interface
// is created, for root and rootless alike. The namespace is the file
// netns (OCI isolation) or that of process pid (chroot isolation).
type outside struct {
	cmd  *exec.Cmd
	exit *os.File // closing it tells slirp4netns to go
}

// reachesOutside reports whether a run on network gets a way out: private
// networks do, through slirp4netns; without it they have loopback only
// (hod warns once), as "none" always has.
func reachesOutside(network Network) bool {
	if network != NetworkPrivate && network != "" {
		return false
	}
	_, err := exec.LookPath("slirp4netns")
	if err != nil {
		warnNoSlirp.Do(func() {
			logrus.Warn("slirp4netns is not installed: RUN's private network has loopback only (install slirp4netns, or use --network host)")
		})
		return false
	}
	// slirp4netns opens /dev/net/tun as the user hod runs as.
	if f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0); err != nil {
		warnNoSlirp.Do(func() {
			logrus.Warnf("RUN's private network has loopback only: %v (as root: chmod 0666 /dev/net/tun, as Debian ships it; or use --network host)", err)
		})
		return false
	} else {
		f.Close()
	}
	return true
}

var warnNoSlirp sync.Once

func connect(netns string, pid int) (*outside, error) {
	ready, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ready.Close()
	exitR, exitW, err := os.Pipe()
	if err != nil {
		readyW.Close()
		return nil, err
	}
	args := []string{"--configure", "--mtu=65520", "--disable-host-loopback", "--ready-fd=3", "--exit-fd=4"}
	if netns != "" {
		args = append(args, "--netns-type=path", netns, "tap0")
	} else {
		args = append(args, strconv.Itoa(pid), "tap0")
	}
	cmd := exec.Command("slirp4netns", args...)
	var stderr bytes.Buffer // what it says when it fails (a few lines at start-up)
	cmd.Stderr = &stderr
	cmd.ExtraFiles = []*os.File{readyW, exitR}
	cmd.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGKILL}
	err = cmd.Start()
	readyW.Close()
	exitR.Close()
	if err != nil {
		exitW.Close()
		return nil, fmt.Errorf("start slirp4netns: %w", err)
	}
	o := &outside{cmd: cmd, exit: exitW}
	if err := waitReady(ready); err != nil {
		exitW.Close()
		_ = cmd.Process.Kill()
		status := cmd.Wait() // its stderr is whole once it has been reaped
		return nil, fmt.Errorf("slirp4netns: %w (%v): %s", err, status, bytes.TrimSpace(stderr.Bytes()))
	}
	return o, nil
}

// waitReady waits for slirp4netns to write to its ready descriptor.
func waitReady(ready *os.File) error {
	_ = ready.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1)
	if _, err := ready.Read(buf); err != nil {
		return errors.New("did not configure the network namespace")
	}
	return nil
}

// close tells slirp4netns to go. It is reaped in the background: its exit
// tears down the tap device, which takes the kernel some 20 ms that the
// run need not wait for (the user's command has ended by then).
func (o *outside) close() {
	o.exit.Close()
	go o.cmd.Wait() //nolint:errcheck // its exit status tells nothing
}

// newNetns creates a network namespace kept alive by a bind mount on a
// file in dir (as "ip netns add" does), with loopback up; remove undoes it.
// A run's runtime joins it by path, and slirp4netns attaches to it.
func newNetns(dir string) (path string, remove func(), err error) {
	path = filepath.Join(dir, "netns")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		return "", nil, err
	}
	remove = func() { _ = mount.Release(path) }
	errc := make(chan error, 1)
	go func() { errc <- makeNetns(path) }()
	if err := <-errc; err != nil {
		remove()
		return "", nil, fmt.Errorf("create network namespace: %w", err)
	}
	return path, remove, nil
}

// makeNetns makes the namespace on its goroutine's thread, locked, and
// then takes the thread back to hod's own namespace. The thread must live
// on: a child forked with Pdeathsig (a concurrent run's slirp4netns, chroot
// isolation's child) dies with the thread that forked it, so retiring a
// thread killed other runs' children. Only a thread that cannot go back
// retires, with its goroutine.
func makeNetns(path string) error {
	runtime.LockOSThread()
	own, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer unix.Close(own)
	err = enterNewNetns(path)
	if unix.Setns(own, unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return err
}

func enterNewNetns(path string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return err
	}
	if err := loopbackUp(); err != nil {
		return err
	}
	self := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
	return unix.Mount(self, path, "", unix.MS_BIND, "")
}
