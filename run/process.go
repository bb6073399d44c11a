package run

import (
	"cmp"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hodbuild/hod/container/state"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hodbuild/hod/container"
	"golang.org/x/sys/unix"
)

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// process is what a run executes, resolved against the rootfs.
type process struct {
	args  []string
	env   []string
	cwd   string
	owner container.Owner
	// groups are the supplementary groups besides owner.GID.
	groups   []int
	hostname string
}

func newProcess(c *container.Container, root string, argv []string, opts Options) (*process, error) {
	cfg := c.Config.Config
	if len(argv) == 0 {
		argv = append(slices.Clone(cfg.Entrypoint), cfg.Cmd...)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("run in %s: no command given and the image has no entrypoint or cmd", c.Name)
	}
	p := &process{args: argv, cwd: cmp.Or(opts.WorkDir, cfg.WorkingDir, "/"), hostname: cmp.Or(opts.Hostname, c.ID[:12])}
	p.env = slices.Clone(cfg.Env)
	if !slices.ContainsFunc(p.env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=") }) {
		p.env = append(p.env, defaultPath)
	}
	if opts.HTTPProxy {
		for _, k := range proxyVars {
			if v, ok := os.LookupEnv(k); ok && !slices.ContainsFunc(p.env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") }) {
				p.env = append(p.env, k+"="+v)
			}
		}
	}
	for _, kv := range opts.Env {
		k, v, _ := strings.Cut(kv, "=")
		p.env = state.SetEnv(p.env, k, v)
	}
	var err error
	user := cmp.Or(opts.User, cfg.User)
	if user != "" {
		if p.owner, err = container.LookupOwner(root, user); err != nil {
			return nil, fmt.Errorf("determining run uid: %w", err)
		}
	}
	if !strings.Contains(user, ":") {
		// As buildah: a USER without a group also gets the groups
		// /etc/group lists it in.
		if p.groups, err = container.SupplementaryGroups(root, p.owner.UID); err != nil {
			return nil, fmt.Errorf("determining run groups: %w", err)
		}
	}
	// Docker creates a missing working directory; so does hod.
	if err := mkdirInRoot(root, p.cwd); err != nil {
		return nil, fmt.Errorf("run in %s: create working directory %s: %w", c.Name, p.cwd, err)
	}
	return p, checkCommand(root, p.args[0], p.env)
}

// checkCommand finds the command in the rootfs as a shell would, so a
// missing one fails with 127 and a non-executable one with 126.
func checkCommand(root, name string, env []string) error {
	dirs := []string{""}
	if !strings.Contains(name, "/") {
		dirs = nil
		for _, kv := range env {
			if p, ok := strings.CutPrefix(kv, "PATH="); ok {
				dirs = strings.Split(p, ":")
			}
		}
	}
	found := false
	for _, dir := range dirs {
		hostPath, err := securejoin.SecureJoin(root, path.Join("/", dir, name))
		if err != nil {
			continue
		}
		if unix.Access(hostPath, unix.X_OK) == nil {
			return nil
		}
		found = found || unix.Access(hostPath, unix.F_OK) == nil
	}
	if found {
		return &ExitError{Code: 126, Msg: fmt.Sprintf("run %s: permission denied", name)}
	}
	return &ExitError{Code: 127, Msg: fmt.Sprintf("run %s: command not found", name)}
}
