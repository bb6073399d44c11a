package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// attestation is an image's stored attestation of predicateType, as
// hod inspect shows it.
func (h *hodEnv) attestation(image, predicateType string) []byte {
	h.t.Helper()
	return []byte(h.must("inspect", "--type", "image", "--format", `{{printf "%s" (index .Attestations "`+predicateType+`")}}`, image))
}

// The SBOM of an image whose package database is Debian's lists exactly
// the packages dpkg-query -W lists in it: name, architecture, version.
func TestSBOMListsDpkgPackages(t *testing.T) {
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skip("no dpkg database on this machine")
	}
	h := newHodEnv(t)
	h.must("from", "--name", "deb", "oci:"+shared.busybox+":latest")
	h.must("run", "--network", "none", "deb", "--", "mkdir", "-p", "/var/lib/dpkg", "/etc")
	h.must("copy", "deb", "/var/lib/dpkg/status", "/var/lib/dpkg/status")
	h.must("copy", "deb", "/etc/os-release", "/etc/os-release")
	h.must("commit", "-q", "--sbom", "deb", "localhost/deb:1")
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name, VersionInfo string
			ExternalRefs      []struct{ ReferenceLocator string }
		} `json:"packages"`
	}
	if err := json.Unmarshal(h.attestation("localhost/deb:1", "https://spdx.dev/Document"), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion %q", doc.SPDXVersion)
	}
	var got []string
	for _, p := range doc.Packages {
		arch := ""
		if len(p.ExternalRefs) > 0 {
			_, arch, _ = strings.Cut(p.ExternalRefs[0].ReferenceLocator, "?arch=")
			if !strings.HasPrefix(p.ExternalRefs[0].ReferenceLocator, "pkg:deb/debian/") {
				t.Errorf("purl %q", p.ExternalRefs[0].ReferenceLocator)
			}
		}
		got = append(got, p.Name+":"+arch+" "+p.VersionInfo)
	}
	mnt := h.must("mount", "deb")
	out, err := exec.Command("dpkg-query", "--admindir", filepath.Join(strings.TrimSpace(mnt), "var/lib/dpkg"), "-W", "-f", `${db:Status-Abbrev}|${Package}:${Architecture} ${Version}\n`).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if st, pkg, _ := strings.Cut(line, "|"); strings.HasPrefix(st, "ii") {
			want = append(want, pkg)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) < 10 || !slices.Equal(got, want) {
		t.Errorf("the SBOM lists %d packages, dpkg-query %d installed; first differences: %v", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) []string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return []string{a[i], b[i]}
		}
	}
	return nil
}

// A build's provenance names its Containerfile by digest, its context,
// build arguments and RUN commands; a --secret reaches neither the SBOM,
// the provenance, the history nor a layer; a push to a registry puts both
// in an index beside the image, as BuildKit does, which skopeo reads.
func TestBuildAttestations(t *testing.T) {
	h := newHodEnv(t)
	ctx := filepath.Join(h.dir, "ctx")
	containerfile := "ARG BASE\nFROM $BASE\nARG V\nRUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /len\nRUN echo $V > /v\n"
	must(t, os.MkdirAll(ctx, 0o755))
	must(t, os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(containerfile), 0o644))
	const secret = "s3cr3t-VALUE-4242"
	must(t, os.WriteFile(filepath.Join(h.dir, "tok"), []byte(secret), 0o600))
	h.must("bud", "-q", "--sbom", "--provenance", "--secret", "id=tok,src="+filepath.Join(h.dir, "tok"),
		"--build-arg", "BASE=oci:"+shared.busybox+":latest", "--build-arg", "V=1", "-t", "localhost/att:1", ctx)
	prov := h.attestation("localhost/att:1", "https://slsa.dev/provenance/v1")
	sum := sha256.Sum256([]byte(containerfile))
	for _, want := range []string{`"containerfile"`, hex.EncodeToString(sum[:]), `"context"`, `"V": "1"`, `wc -c \u003c /run/secrets/tok`, `echo $V`, `"hod"`} {
		if !strings.Contains(string(prov), want) {
			t.Errorf("provenance lacks %s:\n%s", want, prov)
		}
	}
	// no trace of the secret anywhere the image or its attestations go
	inspect := h.must("inspect", "--type", "image", "localhost/att:1")
	layout := filepath.Join(h.dir, "layout")
	h.must("push", "-q", "localhost/att:1", "oci:"+layout+":att")
	if strings.Contains(inspect, secret) || grepDir(t, layout, secret) || grepDir(t, h.root, secret) {
		t.Errorf("the secret reached the image, its attestations or the store")
	}
	if shared.plain == nil {
		t.Skip("no registry")
	}
	ref := "docker://" + shared.plain.Addr + "/att/app:1"
	h.must("push", "-q", "--tls-verify=false", "localhost/att:1", ref)
	raw, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "--raw", ref).Output()
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		MediaType string
		Manifests []struct {
			Digest      string
			Annotations map[string]string
			Platform    struct{ Architecture, OS string }
		}
	}
	must(t, json.Unmarshal(raw, &index))
	if index.MediaType != "application/vnd.oci.image.index.v1+json" || len(index.Manifests) != 2 ||
		index.Manifests[1].Annotations["vnd.docker.reference.type"] != "attestation-manifest" ||
		index.Manifests[1].Annotations["vnd.docker.reference.digest"] != index.Manifests[0].Digest {
		t.Fatalf("pushed index: %s", raw)
	}
	att, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://"+shared.plain.Addr+"/att/app@"+index.Manifests[1].Digest).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"application/vnd.in-toto+json", "https://spdx.dev/Document", "https://slsa.dev/provenance/v1"} {
		if !strings.Contains(string(att), want) {
			t.Errorf("attestation manifest lacks %s: %s", want, att)
		}
	}
	// the image itself still reads through the index
	if out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", ref).CombinedOutput(); err != nil {
		t.Errorf("skopeo inspect %s: %v: %s", ref, err, out)
	}
	// a manifest list: each instance that keeps attestations gets its
	// attestation manifest in the pushed index, referring to it
	h.must("manifest", "create", "localhost/attlist")
	h.must("manifest", "add", "localhost/attlist", "localhost/att:1")
	h.must("from", "--name", "other", "scratch")
	h.must("commit", "-q", "other", "localhost/other")
	h.must("manifest", "add", "--arch", "arm64", "localhost/attlist", "localhost/other")
	listRef := "docker://" + shared.plain.Addr + "/att/list:1"
	h.must("manifest", "push", "--all", "--tls-verify=false", "localhost/attlist", listRef)
	raw, err = exec.Command("skopeo", "inspect", "--tls-verify=false", "--raw", listRef).Output()
	if err != nil {
		t.Fatal(err)
	}
	index.Manifests = nil
	must(t, json.Unmarshal(raw, &index))
	if len(index.Manifests) != 3 || index.Manifests[2].Annotations["vnd.docker.reference.type"] != "attestation-manifest" ||
		index.Manifests[2].Annotations["vnd.docker.reference.digest"] != index.Manifests[0].Digest {
		t.Errorf("pushed list: %s", raw)
	}
}

// grepDir says whether any regular file under dir holds s.
func grepDir(t *testing.T, dir, s string) bool {
	found := false
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() || found {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), s) {
			t.Logf("found in %s", p)
			found = true
		}
		return nil
	})
	return found
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
