package storeconf

import (
	"bytes"
	"os"
	"path/filepath"
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

// ContainersConf is containers.conf, read once per process (the network
// default and the staging directory both need it, the latter at every
// store open).
var ContainersConf = sync.OnceValue(readContainersConf)

// readContainersConf reads containers.conf as podman and buildah find it:
// the file $CONTAINERS_CONF names, or else the vendor file, then the
// system and user files, each setting overriding the earlier files' one.
func readContainersConf() ContainersConfig {
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
		if err != nil || !mentionsKeys(data) {
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

// mentionsKeys says whether a line other than a comment names a key hod
// reads. The vendor file is 24 kB of comments, and decoding it would cost
// every call some 0.3 ms for nothing.
func mentionsKeys(data []byte) bool {
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && (bytes.Contains(line, []byte("netns")) ||
			bytes.Contains(line, []byte("image_copy_tmp_dir")) || bytes.Contains(line, []byte("default_capabilities")) ||
			bytes.Contains(line, []byte("base_hosts_file"))) {
			return true
		}
	}
	return false
}
