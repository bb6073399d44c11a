package storeconf

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/BurntSushi/toml"
)

// ContainersConfig is the part of containers.conf hod reads.
type ContainersConfig struct {
	Containers struct {
		Netns               string   `toml:"netns"`
		DefaultCapabilities []string `toml:"default_capabilities"`
		BaseHostsFile       string   `toml:"base_hosts_file"`
	} `toml:"containers"`
	Engine struct {
		ImageCopyTmpDir string `toml:"image_copy_tmp_dir"`
	} `toml:"engine"`
}

// ContainersConf is containers.conf's network default and staging
// directory, read once per process: the latter is needed at every store
// open, so only files that set one of them are decoded.
var ContainersConf = sync.OnceValue(func() ContainersConfig { return readContainersConf(storeKeys...) })

// RunConf is containers.conf's run settings (default capabilities, base
// hosts file), read once per process by the calls that run or show them.
// Debian's vendor file sets default_capabilities: decoding it (24 kB) is
// kept off every other call.
var RunConf = sync.OnceValue(func() ContainersConfig { return readContainersConf(runKeys...) })

var (
	storeKeys = []string{"netns", "image_copy_tmp_dir"}
	runKeys   = []string{"default_capabilities", "base_hosts_file"}
)

// readContainersConf reads containers.conf as podman and buildah find it:
// the file $CONTAINERS_CONF names, or else the vendor file, then the
// system and user files, each setting overriding the earlier files' one.
// Only files that mention one of keys (default: every key hod reads) are
// decoded.
func readContainersConf(keys ...string) ContainersConfig {
	var files []string
	if env := os.Getenv("CONTAINERS_CONF"); env != "" {
		files = []string{env}
	} else {
		files = []string{"/usr/share/containers/containers.conf", "/etc/containers/containers.conf"}
		if dir, err := os.UserConfigDir(); err == nil {
			files = append(files, filepath.Join(dir, "containers", "containers.conf"))
		}
	}
	var conf ContainersConfig
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || !mentionsKeys(data, keys...) {
			continue
		}
		var one ContainersConfig
		if _, err := toml.Decode(string(data), &one); err != nil {
			continue
		}
		if one.Containers.Netns != "" {
			conf.Containers.Netns = one.Containers.Netns
		}
		if one.Containers.BaseHostsFile != "" {
			conf.Containers.BaseHostsFile = one.Containers.BaseHostsFile
		}
		if one.Containers.DefaultCapabilities != nil {
			conf.Containers.DefaultCapabilities = one.Containers.DefaultCapabilities
		}
		if one.Engine.ImageCopyTmpDir != "" {
			conf.Engine.ImageCopyTmpDir = one.Engine.ImageCopyTmpDir
		}
	}
	return conf
}

// mentionsKeys says whether a line other than a comment names one of keys
// (default: every key hod reads). The vendor file is 24 kB of comments, and
// decoding it would cost every call some 0.3 ms for nothing.
func mentionsKeys(data []byte, keys ...string) bool {
	if len(keys) == 0 {
		keys = append(slices.Clone(storeKeys), runKeys...)
	}
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && slices.ContainsFunc(keys, func(k string) bool { return bytes.Contains(line, []byte(k)) }) {
			return true
		}
	}
	return false
}
