package run

import (
	"cmp"
	"os"

	"github.com/hodbuild/hod/storage/storeconf"
)

// DefaultNetwork is --network's default: $HOD_NETWORK or $BUILDAH_NETWORK,
// else containers.conf's [containers] netns, else "private". Every
// private flavour containers.conf names (slirp4netns, bridge, pasta) is
// hod's private network, which reaches the outside through slirp4netns.
func DefaultNetwork() string {
	if v := cmp.Or(os.Getenv("HOD_NETWORK"), os.Getenv("BUILDAH_NETWORK")); v != "" {
		return v
	}
	switch v := storeconf.ContainersConf().Containers.Netns; v {
	case "host", "none":
		return v
	}
	return string(NetworkPrivate)
}
