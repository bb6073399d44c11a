package run

import (
	"cmp"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// DefaultNetwork is --network's default: $HOD_NETWORK or $BUILDAH_NETWORK,
// else containers.conf's [containers] netns, else "private". Every
// private flavour containers.conf names (slirp4netns, bridge, pasta) is
// hod's private network, which reaches the outside through slirp4netns.
func DefaultNetwork() string {
	if v := cmp.Or(os.Getenv("HOD_NETWORK"), os.Getenv("BUILDAH_NETWORK")); v != "" {
		return v
	}
	switch v := containersConf().Containers.Netns; v {
	case "host", "none":
		return v
	}
	return string(NetworkPrivate)
}

// containersConfig is the part of containers.conf hod reads.
type containersConfig struct {
	Containers struct {
		Netns string `toml:"netns"`
	} `toml:"containers"`
}

// containersConf reads containers.conf as podman and buildah find it: the
// file $CONTAINERS_CONF names, or else the vendor file, then the system
// and user files, later ones overriding earlier ones.
func containersConf() containersConfig {
	var files []string
	if env := os.Getenv("CONTAINERS_CONF"); env != "" {
		files = []string{env}
	} else {
		files = []string{"/usr/share/containers/containers.conf", "/etc/containers/containers.conf"}
		if dir, err := os.UserConfigDir(); err == nil {
			files = append(files, filepath.Join(dir, "containers", "containers.conf"))
		}
	}
	var conf containersConfig
	for _, f := range files {
		var one containersConfig
		if _, err := toml.DecodeFile(f, &one); err == nil && one.Containers.Netns != "" {
			conf = one
		}
	}
	return conf
}
