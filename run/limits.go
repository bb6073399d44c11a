package run

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// Limits are the per-run settings buildah's run and bud take besides
// isolation and namespaces: resource limits, rlimits, extra hosts and DNS.
// The zero value changes nothing.
type Limits struct {
	// Resources are cgroup limits (OCI isolation only).
	Resources *rspec.LinuxResources
	Rlimits   []rspec.POSIXRlimit
	// AddHosts are "IP\tNAME" lines for /etc/hosts.
	AddHosts []string
	// DNS servers, search domains and options replace the resolv.conf ones.
	DNS, DNSSearch, DNSOptions []string
	// ShmSize is /dev/shm's size ("64m"); "" is 64 MiB.
	ShmSize string
	// Unconfined runs without a seccomp filter (--security-opt seccomp=unconfined).
	Unconfined bool
	// Devices are host devices made available (--device).
	Devices []Device
	// CgroupParent is the cgroup the run's cgroup is made under (OCI).
	CgroupParent string
	// HTTPProxy passes the host's proxy variables on (--http-proxy).
	HTTPProxy bool
}

// Device is a host device node and where a run sees it.
type Device struct {
	Host, Container, Permissions string
}

// ParseDevice parses --device HOST[:CONTAINER[:PERMISSIONS]] ("rwm" by default).
func ParseDevice(s string) (Device, error) {
	parts := strings.Split(s, ":")
	d := Device{Host: parts[0], Container: parts[0], Permissions: "rwm"}
	if len(parts) > 1 && parts[1] != "" {
		d.Container = parts[1]
	}
	if len(parts) > 2 {
		d.Permissions = parts[2]
	}
	if len(parts) > 3 || !strings.HasPrefix(d.Host, "/") || !strings.HasPrefix(d.Container, "/") || strings.Trim(d.Permissions, "rwm") != "" {
		return Device{}, fmt.Errorf("parse --device %q: want HOST[:CONTAINER[:PERMISSIONS]], absolute paths, permissions of r, w, m", s)
	}
	return d, nil
}

// proxyVars are the variables --http-proxy passes on, as buildah does.
var proxyVars = []string{"http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"}

// ParseUlimit parses --ulimit TYPE=SOFT[:HARD] ("nofile=1024:2048", "-1" unlimited).
func ParseUlimit(s string) (rspec.POSIXRlimit, error) {
	ul, err := units.ParseUlimit(s)
	if err != nil {
		return rspec.POSIXRlimit{}, fmt.Errorf("parse --ulimit %q: %w", s, err)
	}
	rl, err := ul.GetRlimit()
	if err != nil {
		return rspec.POSIXRlimit{}, fmt.Errorf("parse --ulimit %q: %w", s, err)
	}
	return rspec.POSIXRlimit{Type: "RLIMIT_" + strings.ToUpper(ul.Name), Hard: rl.Hard, Soft: rl.Soft}, nil
}

// ParseAddHost parses --add-host NAME:IP into an /etc/hosts line.
func ParseAddHost(s string) (string, error) {
	name, ip, ok := strings.Cut(s, ":")
	if !ok || name == "" || net.ParseIP(ip) == nil {
		return "", fmt.Errorf("parse --add-host %q: want NAME:IP", s)
	}
	return ip + "\t" + name, nil
}

// ParseResources turns --memory, --memory-swap, --cpu-shares, --cpu-period,
// --cpu-quota, --cpuset-cpus and --cpuset-mems into cgroup limits (nil
// when none is given).
func ParseResources(memory, swap string, shares uint64, period uint64, quota int64, cpus, mems string) (*rspec.LinuxResources, error) {
	if memory == "" && swap == "" && shares == 0 && period == 0 && quota == 0 && cpus == "" && mems == "" {
		return nil, nil
	}
	r := &rspec.LinuxResources{Memory: &rspec.LinuxMemory{}, CPU: &rspec.LinuxCPU{Cpus: cpus, Mems: mems}}
	for _, m := range []struct {
		flag, value string
		into        **int64
	}{{"memory", memory, &r.Memory.Limit}, {"memory-swap", swap, &r.Memory.Swap}} {
		if m.value == "" {
			continue
		}
		n, err := units.RAMInBytes(m.value)
		if m.value == "-1" {
			n, err = -1, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse --%s %q: %w", m.flag, m.value, err)
		}
		*m.into = &n
	}
	if shares != 0 {
		r.CPU.Shares = &shares
	}
	if period != 0 {
		r.CPU.Period = &period
	}
	if quota != 0 {
		r.CPU.Quota = &quota
	}
	return r, nil
}

// shmOption is the size option of /dev/shm's tmpfs.
func (l Limits) shmOption() (string, error) {
	if l.ShmSize == "" {
		return "size=65536k", nil
	}
	n, err := units.RAMInBytes(l.ShmSize)
	if err != nil || n <= 0 {
		return "", fmt.Errorf("parse --shm-size %q: want a size such as 64m", l.ShmSize)
	}
	return "size=" + strconv.FormatInt(n, 10), nil
}
