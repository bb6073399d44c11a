package attest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// Package is one installed package.
type Package struct {
	Type    string // "deb" or "apk": the purl type
	Name    string
	Version string
	Arch    string
	Distro  string // the purl namespace: "debian", "ubuntu", "alpine"
}

// ErrRPM is returned (wrapped) for an image with an rpm database, which
// hod does not read.
var ErrRPM = errors.New("the image has an rpm database, which hod does not read (dpkg and apk are read)")

// Packages lists the packages root's package databases record as
// installed: dpkg's status file (and distroless images' status.d), apk's
// installed file. Paths resolve inside root, so an image's symlinks cannot
// make hod read the host's databases.
func Packages(root string) ([]Package, error) {
	var out []Package
	distro := osRelease(root)
	for _, rpm := range []string{"/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/usr/lib/sysimage/rpm/rpmdb.sqlite"} {
		if exists(root, rpm) {
			return nil, ErrRPM
		}
	}
	for _, f := range dpkgFiles(root) {
		pkgs, err := readStanzas(f, func(s map[string]string) (Package, bool) {
			// status.d stanzas (distroless) carry no Status: installed.
			if st := s["Status"]; s["Package"] == "" || st != "" && !strings.HasSuffix(st, " installed") {
				return Package{}, false
			}
			return Package{Type: "deb", Name: s["Package"], Version: s["Version"], Arch: s["Architecture"], Distro: distro}, true
		})
		if err != nil {
			return nil, err
		}
		out = append(out, pkgs...)
	}
	if p, err := securejoin.SecureJoin(root, "/lib/apk/db/installed"); err == nil && exists(root, "/lib/apk/db/installed") {
		pkgs, err := readApk(p, distro)
		if err != nil {
			return nil, err
		}
		out = append(out, pkgs...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Arch < out[j].Arch
	})
	return out, nil
}

func exists(root, p string) bool {
	full, err := securejoin.SecureJoin(root, p)
	if err != nil {
		return false
	}
	_, err = os.Lstat(full)
	return err == nil
}

// dpkgFiles are dpkg's status file and the per-package files distroless
// images keep in status.d, resolved in root.
func dpkgFiles(root string) []string {
	var files []string
	if p, err := securejoin.SecureJoin(root, "/var/lib/dpkg/status"); err == nil && exists(root, "/var/lib/dpkg/status") {
		files = append(files, p)
	}
	if dir, err := securejoin.SecureJoin(root, "/var/lib/dpkg/status.d"); err == nil {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".md5sums") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	return files
}

// readStanzas reads a deb822 file (blank-line separated "Key: value"
// stanzas; continuation lines start with a space) and keeps what keep
// makes of each stanza.
func readStanzas(file string, keep func(map[string]string) (Package, bool)) ([]Package, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Package
	stanza := map[string]string{}
	flush := func() {
		if p, ok := keep(stanza); ok {
			out = append(out, p)
		}
		stanza = map[string]string{}
	}
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for s.Scan() {
		line := s.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			// a continuation (Description, Conffiles): not needed
		default:
			if k, v, ok := strings.Cut(line, ":"); ok {
				stanza[k] = strings.TrimSpace(v)
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	flush()
	return out, nil
}

// readApk reads apk's installed database: stanzas of "K:value" lines, P
// the name, V the version, A the architecture.
func readApk(file, distro string) ([]Package, error) {
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []Package
	p := Package{Type: "apk", Distro: distro}
	for _, line := range append(strings.Split(string(data), "\n"), "") {
		if line == "" {
			if p.Name != "" {
				out = append(out, p)
			}
			p = Package{Type: "apk", Distro: distro}
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			switch k {
			case "P":
				p.Name = v
			case "V":
				p.Version = v
			case "A":
				p.Arch = v
			}
		}
	}
	return out, nil
}

// osRelease is the image's distribution ID (os-release's ID), the purl
// namespace; "" if it has none.
func osRelease(root string) string {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		full, err := securejoin.SecureJoin(root, p)
		if err != nil {
			continue
		}
		data, err := os.ReadFile(full)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "ID="); ok {
				return strings.Trim(v, `"'`)
			}
		}
	}
	return ""
}
