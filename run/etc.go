package run

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hodbuild/hod/storage/storeconf"

	securejoin "github.com/cyphar/filepath-securejoin"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// etcFile is a file a run sees at /etc/<name> without it being committed:
// a copy in the run directory, bind-mounted over the rootfs' own.
type etcFile struct {
	name, hostPath string
	written        []byte
}

type etcFiles []etcFile

// etcFiles prepares /etc/hosts, /etc/resolv.conf and /etc/hostname for a
// run, starting from the rootfs' own content. Images without /etc get none:
// creating /etc would change the layer.
func prepareEtc(root, dir, hostname, ctrName string, reach bool, opts Options) (etcFiles, error) {
	network := opts.Network
	etc, err := securejoin.SecureJoin(root, "/etc")
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(etc); err != nil || !fi.IsDir() {
		return nil, nil
	}
	hosts := runHosts(readInRoot(root, "/etc/hosts"), hostname, ctrName, reach)
	for _, h := range opts.AddHosts {
		hosts = append(hosts, h+"\n"...)
	}
	resolv := readInRoot(root, "/etc/resolv.conf")
	if network == NetworkHost || len(resolv) == 0 {
		resolv, _ = os.ReadFile("/etc/resolv.conf")
	}
	if reach {
		resolv = slirpResolv(resolv)
	}
	if len(opts.DNS)+len(opts.DNSSearch)+len(opts.DNSOptions) > 0 {
		resolv = withDNS(resolv, opts.Limits)
	}
	provided := map[string][]byte{"hosts": hosts, "resolv.conf": resolv, "hostname": []byte(hostname + "\n")}
	if opts.NoHosts {
		delete(provided, "hosts")
	}
	if network == NetworkNone {
		// As buildah: a run without a network gets the image's own
		// hosts and resolv.conf, and what it writes there stays.
		delete(provided, "hosts")
		delete(provided, "resolv.conf")
	}
	var files etcFiles
	for name, content := range provided {
		f := etcFile{name: name, hostPath: filepath.Join(dir, name), written: content}
		if err := os.WriteFile(f.hostPath, content, 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// readInRoot reads a file of the rootfs without following links out of it.
func readInRoot(root, name string) []byte {
	p, err := securejoin.SecureJoin(root, name)
	if err != nil {
		return nil
	}
	b, _ := os.ReadFile(p)
	return b
}

func (files etcFiles) mounts() []rspec.Mount {
	ms := make([]rspec.Mount, len(files))
	for i, f := range files {
		ms[i] = rspec.Mount{Destination: "/etc/" + f.name, Type: "bind", Source: f.hostPath, Options: []string{"rbind", "rprivate"}}
	}
	return ms
}

// writeBack keeps what the command itself wrote to these files: that is a
// change the user made, and it belongs in the layer.
func (files etcFiles) writeBack(root string) {
	for _, f := range files {
		now, err := os.ReadFile(f.hostPath)
		if err != nil || bytes.Equal(now, f.written) {
			continue
		}
		if p, err := securejoin.SecureJoin(root, "/etc/"+f.name); err == nil {
			_ = os.WriteFile(p, now, 0o644)
		}
	}
}

// slirpResolv is resolv.conf for a namespace behind slirp4netns, as
// buildah writes it: slirp's resolver first, then the host's resolvers
// that are reachable from there (not loopback ones), search and options.
func slirpResolv(host []byte) []byte {
	out := []byte("nameserver " + slirpDNS + "\n")
	for _, line := range bytes.Split(host, []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if fields[0] == "nameserver" && (len(fields) < 2 || isLoopback(fields[1])) {
			continue
		}
		out = append(append(out, line...), '\n')
	}
	return out
}

func isLoopback(addr string) bool {
	ip := net.ParseIP(addr)
	return ip == nil || ip.IsLoopback()
}

// withDNS replaces resolv.conf's servers, search domains or options with
// those given (--dns, --dns-search, --dns-option), keeping the rest.
func withDNS(resolv []byte, l Limits) []byte {
	given := map[string][]string{"nameserver": l.DNS, "search": l.DNSSearch, "options": l.DNSOptions}
	var out []byte
	for _, line := range bytes.Split(resolv, []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) == 0 || len(given[fields[0]]) > 0 {
			continue
		}
		out = append(append(out, line...), '\n')
	}
	for _, ns := range l.DNS {
		out = append(out, "nameserver "+ns+"\n"...)
	}
	if len(l.DNSSearch) > 0 {
		out = append(out, "search "+strings.Join(l.DNSSearch, " ")+"\n"...)
	}
	if len(l.DNSOptions) > 0 {
		out = append(out, "options "+strings.Join(l.DNSOptions, " ")+"\n"...)
	}
	return out
}

// runHosts is a run's /etc/hosts as buildah writes it: the image's, then
// containers.conf's base_hosts_file, localhost; with a network that
// reaches out (slirp4netns), the run's address with its hostname (unless a
// base entry has it) and the container's name, and the host's first
// address as host.containers.internal; without one, 127.0.1.1 HOSTNAME.
func runHosts(hosts []byte, hostname, ctrName string, reach bool) []byte {
	hosts = bytes.Clone(hosts)
	if len(hosts) > 0 && !bytes.HasSuffix(hosts, []byte("\n")) {
		hosts = append(hosts, '\n')
	}
	if base := storeconf.RunConf().Containers.BaseHostsFile; base != "" {
		if b, err := os.ReadFile(base); err == nil {
			hosts = append(append(hosts, b...), '\n')
		}
	}
	if !bytes.Contains(hosts, []byte("localhost")) {
		hosts = append(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost\n"...)
	}
	if !reach {
		return append(hosts, "127.0.1.1\t"+hostname+"\n"...)
	}
	names := hostname + " " + ctrName
	if hostsName(hosts, hostname) {
		names = ctrName
	}
	hosts = append(hosts, slirpGuestIP+"\t"+names+"\n"...)
	if ip := hostAddress(); ip != "" {
		hosts = append(hosts, ip+"\thost.containers.internal\n"...)
	}
	return hosts
}

// hostsName says whether an /etc/hosts text has an entry for name.
func hostsName(hosts []byte, name string) bool {
	for line := range strings.Lines(string(hosts)) {
		fields := strings.Fields(line)
		if len(fields) > 1 && !strings.HasPrefix(fields[0], "#") && slices.Contains(fields[1:], name) {
			return true
		}
	}
	return false
}

// hostAddress is the host's first global IPv4 address, as `hostname -I`
// lists it.
func hostAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}
