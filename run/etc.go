package run

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"

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
func prepareEtc(root, dir, hostname string, reach bool, opts Options) (etcFiles, error) {
	network := opts.Network
	etc, err := securejoin.SecureJoin(root, "/etc")
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(etc); err != nil || !fi.IsDir() {
		return nil, nil
	}
	hosts := readInRoot(root, "/etc/hosts")
	if !bytes.Contains(hosts, []byte("localhost")) {
		hosts = append(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost\n"...)
	}
	hosts = append(hosts, "127.0.1.1\t"+hostname+"\n"...)
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
