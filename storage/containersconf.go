package storage

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/BurntSushi/toml"
)

// ContainersConfig is the part of containers.conf hod reads.
type ContainersConfig struct {
	Containers struct {
		Netns string `toml:"netns"`
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
		var one ContainersConfig
		if _, err := toml.DecodeFile(f, &one); err != nil {
			continue
		}
		if one.Containers.Netns != "" {
			conf.Containers.Netns = one.Containers.Netns
		}
		if one.Engine.ImageCopyTmpDir != "" {
			conf.Engine.ImageCopyTmpDir = one.Engine.ImageCopyTmpDir
		}
	}
	return conf
}
