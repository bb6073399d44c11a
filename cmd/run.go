package cmd

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage/storeconf"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/mount"
	"github.com/hodbuild/hod/run"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	cstorage "go.podman.io/storage"
)

// runFlags are "hod run"'s flags (bud's RUN will share them).
type runFlags struct {
	isolation, runtime, user, workDir, hostname, network string
	contextDir                                           string
	ipc, pid, uts, cgroupns                              string
	runtimeFlags, env, volumes, mounts, capAdd, capDrop  []string
	tty, noHosts, noPivot, addHistory                    bool
	limits                                               limitFlags
}

// limitFlags are the resource, rlimit, host and DNS flags run and bud share.
type limitFlags struct {
	memory, swap, cpus, mems, shmSize             string
	shares, period                                uint64
	quota                                         int64
	addHosts, dns, dnsSearch, dnsOptions, ulimits []string
	securityOpts, devices                         []string
	cgroupParent                                  string
	httpProxy                                     bool
}

// NewRun returns "hod run".
func NewRun(g *globals) *cobra.Command {
	var o runFlags
	cmd := &cobra.Command{
		Use:   "run [flags] CONTAINER [--] [COMMAND [ARG...]]",
		Short: "Run a command in a working container",
		Long: "Run COMMAND (required: the image's entrypoint and cmd are not used) in CONTAINER's root filesystem, with its\n" +
			"environment, user and working directory. hod exits with the command's status; 126 and 127 mean it\n" +
			"could not be started, 125 is hod's own error. Isolation is \"oci\" (runc, or --runtime) or \"chroot\"\n" +
			"(no runtime binary; $HOD_ISOLATION sets the default).",
		Example: `  hod run "$ctr" -- sh -c 'echo hi > /greeting'
  hod run --user app --workingdir /tmp -e FOO=bar "$ctr" -- sh -c 'id; pwd; echo $FOO'
  hod run -v "$PWD/src:/src:ro" --network none "$ctr" -- ls /src
  hod run --mount type=cache,id=go,dst=/root/.cache "$ctr" -- go build ./...
  echo data | hod run --isolation chroot "$ctr" -- cat`,
		Args: short.Args(1, -1, "container ID must be specified", ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			c, err := container.Open(store, args[0])
			if err != nil {
				return err
			}
			if err := applyRunDefaults(cmd, c.RunDefaults); err != nil {
				return err
			}
			opts, err := o.options(store)
			if err != nil {
				return err
			}
			opts.Stdin, opts.Stdout, opts.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			argv := args[1:]
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				// buildah's words: run never falls back to the image's
				// entrypoint and cmd.
				return errors.New("command must be specified")
			}
			return run.Run(cmd.Context(), c, argv, opts)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	addRunFlags(cmd, &o)
	f.StringVarP(&o.user, "user", "u", "", "USER[:GROUP] to run as (default: the image's)")
	f.StringVar(&o.workDir, "workingdir", "", "working directory (default: the image's)")
	f.StringArrayVarP(&o.env, "env", "e", nil, "set KEY=VALUE for the command (repeatable)")
	f.StringArrayVar(&o.mounts, "mount", nil, "mount type=bind|tmpfs|cache,dst=...,... (repeatable)")
	f.StringVar(&o.contextDir, "contextdir", "", "resolve --mount type=bind sources inside this directory; -v sources must lie in it (neither can leave it)")
	f.StringVar(&o.hostname, "hostname", "", "hostname inside the run (default: the container ID's prefix)")
	f.BoolVarP(&o.tty, "terminal", "t", false, "allocate a pseudo-terminal")
	f.BoolVar(&o.noPivot, "no-pivot", false, "have the runtime use chroot instead of pivot_root (runc --no-pivot)")
	f.BoolVar(&o.addHistory, "add-history", false, "accepted for buildah compatibility: commit records the layer's history anyway")
	return cmd
}

// addRunFlags adds the run flags "run" and "bud" share.
func addRunFlags(cmd *cobra.Command, o *runFlags) {
	f := cmd.Flags()
	f.StringVar(&o.isolation, "isolation", cmp.Or(os.Getenv("HOD_ISOLATION"), os.Getenv("BUILDAH_ISOLATION"), string(policy.IsolationOCI)), "isolation of RUN commands: oci, rootless (= oci) or chroot")
	f.StringVar(&o.runtime, "runtime", cmp.Or(os.Getenv("BUILDAH_RUNTIME"), "runc"), "OCI runtime binary (runc, crun, runsc, or a path; $BUILDAH_RUNTIME)")
	f.StringVar(&o.network, "network", "", "network: private (own namespace, reaches the outside through slirp4netns), none (loopback only), or host (default: $HOD_NETWORK, $BUILDAH_NETWORK, containers.conf netns, else private)")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "bind mount SRC:DST[:ro|rw] (repeatable)")
	f.StringSliceVar(&o.runtimeFlags, "runtime-flag", nil, "global flag for the OCI runtime, without its leading -- (repeatable), e.g. --runtime-flag debug")
	// buildah's CNI settings: kept (from shows them in inspect); hod's
	// networks are slirp4netns, none or host, never CNI.
	f.String("cni-config-dir", "", "accepted for buildah compatibility (hod uses slirp4netns, not CNI)")
	f.String("cni-plugin-path", "", "accepted for buildah compatibility (hod uses slirp4netns, not CNI)")
	f.BoolVar(&o.noHosts, "no-hosts", false, "leave the image's /etc/hosts as it is instead of providing one")
	f.StringArrayVar(&o.capAdd, "cap-add", nil, "add a capability (repeatable)")
	f.StringArrayVar(&o.capDrop, "cap-drop", nil, "drop a capability, or all (repeatable)")
	for _, ns := range []struct {
		p    *string
		name string
	}{{&o.ipc, "ipc"}, {&o.pid, "pid"}, {&o.uts, "uts"}, {&o.cgroupns, "cgroupns"}} {
		f.StringVar(ns.p, ns.name, "", "'host' to share the host's "+ns.name+" namespace (default: a private one)")
	}
	l := &o.limits
	f.StringVarP(&l.memory, "memory", "m", "", "memory limit (e.g. 512m; OCI isolation)")
	f.StringVar(&l.swap, "memory-swap", "", "memory plus swap limit (-1: unlimited)")
	f.Uint64VarP(&l.shares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	f.Uint64Var(&l.period, "cpu-period", 0, "CPU CFS period in microseconds")
	f.Int64Var(&l.quota, "cpu-quota", 0, "CPU CFS quota in microseconds")
	f.StringVar(&l.cpus, "cpuset-cpus", "", "CPUs to run on (0-3, 0,1)")
	f.StringVar(&l.mems, "cpuset-mems", "", "memory nodes to use (0-3, 0,1)")
	f.StringVar(&l.shmSize, "shm-size", "", "size of /dev/shm (default 64m)")
	f.StringArrayVar(&l.ulimits, "ulimit", nil, "rlimit TYPE=SOFT[:HARD], e.g. nofile=1024:2048 (repeatable)")
	f.StringArrayVar(&l.addHosts, "add-host", nil, "add NAME:IP to /etc/hosts (repeatable)")
	f.StringArrayVar(&l.dns, "dns", nil, "DNS server for /etc/resolv.conf (repeatable)")
	f.StringArrayVar(&l.dnsSearch, "dns-search", nil, "DNS search domain (repeatable)")
	f.StringArrayVar(&l.dnsOptions, "dns-option", nil, "DNS option (repeatable)")
	f.StringArrayVar(&l.devices, "device", nil, "host device HOST[:CONTAINER[:rwm]] (repeatable; OCI isolation)")
	f.StringVar(&l.cgroupParent, "cgroup-parent", "", "cgroup to create the run's cgroup under (OCI isolation)")
	f.BoolVar(&l.httpProxy, "http-proxy", true, "pass the host's http_proxy, https_proxy, no_proxy … on")
	f.StringArrayVar(&l.securityOpts, "security-opt", nil, "seccomp=unconfined, no-new-privileges, label=… (no SELinux here: accepted)")
}

// options turns the limit flags into run.Limits.
func (l limitFlags) options() (run.Limits, error) {
	out := run.Limits{DNS: l.dns, DNSSearch: l.dnsSearch, DNSOptions: l.dnsOptions, ShmSize: l.shmSize,
		CgroupParent: l.cgroupParent, HTTPProxy: l.httpProxy}
	var err error
	if out.Devices, err = parseEach(l.devices, run.ParseDevice); err != nil {
		return out, err
	}
	if out.Resources, err = run.ParseResources(l.memory, l.swap, l.shares, l.period, l.quota, l.cpus, l.mems); err != nil {
		return out, err
	}
	if out.Rlimits, err = parseEach(l.ulimits, run.ParseUlimit); err != nil {
		return out, err
	}
	if out.AddHosts, err = parseEach(l.addHosts, run.ParseAddHost); err != nil {
		return out, err
	}
	for _, o := range l.securityOpts {
		switch k, v, _ := strings.Cut(o, "="); {
		case k == "seccomp" && v == "unconfined":
			out.Unconfined = true
		case k == "no-new-privileges", k == "label", k == "apparmor" && v == "unconfined":
		default:
			return out, fmt.Errorf("parse --security-opt %q: want seccomp=unconfined, no-new-privileges or label=…", o)
		}
	}
	return out, nil
}

// runtimeFlags are --runtime-flag's values as runtime options: buildah
// puts "--" before each; one given with its dashes is taken as it is.
func runtimeFlags(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		if !strings.HasPrefix(v, "-") {
			v = "--" + v
		}
		out[i] = v
	}
	return out
}

func (o runFlags) options(store cstorage.Store) (run.Options, error) {
	opts := run.Options{
		Runtime: o.runtime, RuntimeFlags: runtimeFlags(o.runtimeFlags), User: o.user, WorkDir: o.workDir,
		Env: o.env, Hostname: o.hostname, CapAdd: o.capAdd, CapDrop: o.capDrop, Terminal: o.tty, NoHosts: o.noHosts,
	}
	if o.workDir != "" && !path.IsAbs(o.workDir) {
		// The runtime would refuse it with its own words, and chroot
		// isolation would take it relative to wherever it starts.
		return opts, fmt.Errorf("--workingdir %q: must be an absolute path in the container", o.workDir)
	}
	var err error
	if opts.Limits, err = o.limits.options(); err != nil {
		return opts, err
	}
	if o.noHosts && len(o.limits.addHosts) > 0 {
		return opts, errors.New("--no-hosts and --add-host conflict, can not be used together") // buildah's words
	}
	if o.network == "none" {
		for flag, values := range map[string][]string{"--dns": o.limits.dns, "--dns-search": o.limits.dnsSearch, "--dns-option": o.limits.dnsOptions} {
			if len(values) > 0 { // buildah's words
				return opts, fmt.Errorf("the %s option cannot be used with --network=none", flag)
			}
		}
	}
	if o.noPivot {
		opts.RunFlags = append(opts.RunFlags, "--no-pivot")
	}
	for name, value := range map[string]string{"ipc": o.ipc, "pid": o.pid, "uts": o.uts, "cgroupns": o.cgroupns} {
		switch value {
		case "", "container":
		case "private":
			opts.PrivateCgroupns = opts.PrivateCgroupns || name == "cgroupns"
		case "host":
			if name != "cgroupns" { // the host's cgroup namespace is the default, as in buildah
				opts.HostNamespaces = append(opts.HostNamespaces, name)
			}
		default:
			return opts, fmt.Errorf("parse --%s %q: want host or private", name, value)
		}
	}
	slices.Sort(opts.HostNamespaces)
	if opts.Isolation, err = policy.ParseIsolation(o.isolation); err != nil {
		return opts, err
	}
	// The default is read only when a run needs it: containers.conf is
	// not parsed on every hod call.
	if opts.Network, err = run.ParseNetwork(cmp.Or(o.network, run.DefaultNetwork())); err != nil {
		return opts, err
	}
	for _, v := range o.volumes {
		m, err := mount.ParseVolume(v)
		if err != nil {
			return opts, err
		}
		if o.contextDir != "" && m.Type == "bind" {
			// With --contextdir, -v sources may not leave it either.
			if m.Source, err = mount.InContext(o.contextDir, m.Source); err != nil {
				return opts, fmt.Errorf("parse --volume %q: %w", v, err)
			}
		}
		opts.Mounts = append(opts.Mounts, m)
	}
	for _, v := range o.mounts {
		m, err := mount.ParseMount(v, mount.Roots{Cache: storeconf.CacheDir(store.GraphRoot()), Context: o.contextDir})
		if err != nil {
			return opts, err
		}
		opts.Mounts = append(opts.Mounts, m)
	}
	return opts, nil
}

// runDefaults renders the run flags given on cmd ("from") as --NAME=VALUE
// arguments, one per value: buildah keeps them for the container's later
// runs, and so does hod (in its state).
func runDefaults(cmd *cobra.Command) []string {
	probe := &cobra.Command{}
	addRunFlags(probe, &runFlags{})
	var out []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if probe.Flags().Lookup(f.Name) == nil {
			return // not a run flag
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			out = append(out, "--"+f.Name+"="+v)
		}
	})
	return out
}

// applyRunDefaults sets the flags a container's "from" recorded, except
// those given on this command line, which win.
func applyRunDefaults(cmd *cobra.Command, defaults []string) error {
	given := map[string]bool{}
	cmd.Flags().Visit(func(f *pflag.Flag) { given[f.Name] = true })
	for _, d := range defaults {
		name, value, _ := strings.Cut(strings.TrimPrefix(d, "--"), "=")
		if given[name] {
			continue
		}
		if err := cmd.Flags().Set(name, value); err != nil {
			return fmt.Errorf("apply the container's run default %s: %w", d, err)
		}
	}
	return nil
}
