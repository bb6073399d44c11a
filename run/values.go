package run

import "fmt"

// Network is a run's network namespace. The zero value is NetworkPrivate.
type Network string

// Networks: private is an own namespace that reaches the outside through
// slirp4netns (as buildah's default does), none an own namespace with
// loopback only, host the host's.
const (
	NetworkPrivate Network = "private"
	NetworkNone    Network = "none"
	NetworkHost    Network = "host"
)

// ParseNetwork parses --network and RUN --network.
func ParseNetwork(s string) (Network, error) {
	switch Network(s) {
	case "", "default", "container", NetworkPrivate, "slirp4netns", "bridge":
		return NetworkPrivate, nil
	case NetworkNone, NetworkHost:
		return Network(s), nil
	}
	// Anything else names networks (CNI/netavark in buildah), which hod
	// has none of: buildah's words for a network that does not exist.
	return "", fmt.Errorf("unable to find network with name or ID %s: network not found", s)
}
