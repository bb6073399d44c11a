package attest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(t testing.TB, root, p, content string) {
	t.Helper()
	full := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Installed packages only, from dpkg, distroless status.d and apk; an rpm
// database is refused by name; a symlinked database outside the root is
// not followed out of it.
func TestPackages(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "etc/os-release", "NAME=x\nID=debian\n")
	writeFile(t, root, "var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\nDescription: x\n continued\n\n"+
		"Package: gone\nStatus: deinstall ok config-files\nVersion: 2\n\nPackage: b\nStatus: install ok installed\nVersion: 2:3-1\nArchitecture: all\n")
	writeFile(t, root, "var/lib/dpkg/status.d/c", "Package: c\nVersion: 9\nArchitecture: arm64\n")
	writeFile(t, root, "lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36\nA:x86_64\n")
	pkgs, err := Packages(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Type+":"+p.Name+"="+p.Version+"/"+p.Arch)
	}
	want := []string{"deb:a=1.0/amd64", "deb:b=2:3-1/all", "apk:busybox=1.36/x86_64", "deb:c=9/arm64", "apk:musl=1.2.4-r2/x86_64"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
			break
		}
	}
	doc, err := SPDX("img", time.Unix(0, 0), "hod-test", pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var parsed map[string]any
	if err := json.Unmarshal(doc, &parsed); err != nil || parsed["spdxVersion"] != "SPDX-2.3" {
		t.Errorf("SPDX document: %v %s", err, doc)
	}
	rpm := t.TempDir()
	writeFile(t, rpm, "var/lib/rpm/rpmdb.sqlite", "x")
	if _, err := Packages(rpm); !errors.Is(err, ErrRPM) {
		t.Errorf("an rpm database: %v, want ErrRPM", err)
	}
	escape := t.TempDir()
	if err := os.MkdirAll(filepath.Join(escape, "var/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/var/lib/dpkg", filepath.Join(escape, "var/lib/dpkg")); err != nil {
		t.Fatal(err)
	}
	if pkgs, err := Packages(escape); err != nil || len(pkgs) != 0 {
		t.Errorf("a symlink to the host's database: %d packages, %v; want none", len(pkgs), err)
	}
}

// Any status file is read or refused, never a panic.
func FuzzPackages(f *testing.F) {
	f.Add("Package: a\nStatus: install ok installed\nVersion: 1\n", "P:x\nV:1\n")
	f.Add("Package:\n\n\n: :\n x", "P\nV:\n:\n")
	f.Fuzz(func(t *testing.T, status, apk string) {
		root := t.TempDir()
		writeFile(t, root, "var/lib/dpkg/status", status)
		writeFile(t, root, "lib/apk/db/installed", apk)
		pkgs, err := Packages(root)
		if err == nil {
			if _, err := SPDX("x", time.Unix(0, 0), "t", pkgs); err != nil {
				t.Error(err)
			}
		}
	})
}
