package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// SPDX predicate type, as BuildKit's SBOM attestations name it.
const SPDXPredicateType = "https://spdx.dev/Document"

type spdxDoc struct {
	SPDXVersion       string        `json:"spdxVersion"`
	DataLicense       string        `json:"dataLicense"`
	SPDXID            string        `json:"SPDXID"`
	Name              string        `json:"name"`
	DocumentNamespace string        `json:"documentNamespace"`
	CreationInfo      spdxCreation  `json:"creationInfo"`
	Packages          []spdxPackage `json:"packages"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID           string    `json:"SPDXID"`
	Name             string    `json:"name"`
	VersionInfo      string    `json:"versionInfo,omitempty"`
	DownloadLocation string    `json:"downloadLocation"`
	FilesAnalyzed    bool      `json:"filesAnalyzed"`
	LicenseConcluded string    `json:"licenseConcluded"`
	LicenseDeclared  string    `json:"licenseDeclared"`
	CopyrightText    string    `json:"copyrightText"`
	ExternalRefs     []spdxRef `json:"externalRefs,omitempty"`
}

type spdxRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

var spdxIDChars = regexp.MustCompile(`[^A-Za-z0-9.-]`)

// SPDX writes pkgs as an SPDX 2.3 JSON document about the image name,
// created at created (the image's creation time, so the same image gives
// the same document), by tool ("hod-VERSION").
func SPDX(name string, created time.Time, tool string, pkgs []Package) ([]byte, error) {
	doc := spdxDoc{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", Name: name,
		CreationInfo: spdxCreation{Created: created.UTC().Format(time.RFC3339), Creators: []string{"Tool: " + tool}},
		Packages:     []spdxPackage{},
	}
	for _, p := range pkgs {
		purl := fmt.Sprintf("pkg:%s/%s/%s@%s", p.Type, url.PathEscape(p.Distro), url.PathEscape(p.Name), url.PathEscape(p.Version))
		if p.Distro == "" {
			purl = fmt.Sprintf("pkg:%s/%s@%s", p.Type, url.PathEscape(p.Name), url.PathEscape(p.Version))
		}
		if p.Arch != "" {
			purl += "?arch=" + url.QueryEscape(p.Arch)
		}
		doc.Packages = append(doc.Packages, spdxPackage{
			SPDXID: "SPDXRef-Package-" + p.Type + "-" + spdxIDChars.ReplaceAllString(p.Name, "-") + "-" + shortHash(purl),
			Name:   p.Name, VersionInfo: p.Version, DownloadLocation: "NOASSERTION",
			LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION",
			ExternalRefs: []spdxRef{{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: purl}},
		})
	}
	body, err := json.Marshal(doc.Packages)
	if err != nil {
		return nil, err
	}
	doc.DocumentNamespace = "https://hod.invalid/spdx/" + shortHash(name+string(body))
	return json.MarshalIndent(doc, "", "  ")
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
