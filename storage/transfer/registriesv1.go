package transfer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/BurntSushi/toml"
)

// registriesV1 is the version 1 form of registries.conf, which buildah
// 1.28's containers/image still read and later ones refuse
// ("registries.conf must be in v2 format but is in v1").
type registriesV1 struct {
	Registries struct {
		Search, Insecure, Block struct {
			Registries []string `toml:"registries"`
		}
	} `toml:"registries"`
}

// v2Registries returns path itself, or, when it holds a version 1
// registries.conf, a version 2 file with the same meaning: the search
// list as unqualified-search-registries, and one [[registry]] per insecure
// or blocked registry. The file is named after its content in the
// temporary directory, so every call reuses it.
func v2Registries(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte("[registries.")) {
		return path, nil // not v1 (or unreadable: containers/image says why)
	}
	var v1 registriesV1
	if _, err := toml.Decode(string(data), &v1); err != nil {
		return "", fmt.Errorf("parse %s: %w", path, err)
	}
	type registry struct {
		Location string `toml:"location"`
		Insecure bool   `toml:"insecure,omitempty"`
		Blocked  bool   `toml:"blocked,omitempty"`
	}
	v2 := struct {
		Search   []string   `toml:"unqualified-search-registries"`
		Registry []registry `toml:"registry"`
	}{Search: v1.Registries.Search.Registries}
	locations := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(v1.Registries.Insecure.Registries), v1.Registries.Block.Registries...))))
	for _, l := range locations {
		v2.Registry = append(v2.Registry, registry{Location: l,
			Insecure: slices.Contains(v1.Registries.Insecure.Registries, l), Blocked: slices.Contains(v1.Registries.Block.Registries, l)})
	}
	var out bytes.Buffer
	if err := toml.NewEncoder(&out).Encode(v2); err != nil {
		return "", err
	}
	sum := sha256.Sum256(out.Bytes())
	converted := filepath.Join(os.TempDir(), "hod-registries-"+hex.EncodeToString(sum[:8])+".conf")
	if _, err := os.Stat(converted); err == nil {
		return converted, nil
	}
	tmp, err := os.CreateTemp(os.TempDir(), ".hod-registries-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out.Bytes()); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return converted, os.Rename(tmp.Name(), converted)
}
