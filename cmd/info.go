package cmd

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/hodbuild/hod/cmd/short"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// NewInfo returns "hod info": buildah's info document ("host" and "store"
// with buildah's keys).
func NewInfo(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "info [flags]",
		Short:   "Show the host and the storage hod uses",
		Example: `  hod info --format '{{.store.GraphDriverName}} {{.host.OCIRuntime}}'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			images, err := store.Images()
			if err != nil {
				return err
			}
			containers, err := store.Containers()
			if err != nil {
				return err
			}
			options := store.GraphOptions()
			if options == nil {
				options = []string{}
			}
			status, _ := store.Status()
			graphStatus := map[string]string{}
			for _, kv := range status {
				graphStatus[kv[0]] = kv[1]
			}
			info := map[string]any{
				"host": hostInfo(),
				"store": map[string]any{
					"GraphRoot": store.GraphRoot(), "RunRoot": store.RunRoot(), "GraphStatus": graphStatus,
					"GraphDriverName": store.GraphDriverName(), "GraphOptions": options,
					"ImageStore": map[string]int{"number": len(images)}, "ContainerStore": map[string]int{"number": len(containers)},
				},
			}
			return short.PrintOne(cmd.OutOrStdout(), info, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "print with a Go template instead of JSON")
	cmd.Flags().BoolP("debug", "d", false, "accepted for buildah compatibility")
	return cmd
}

// hostInfo is buildah's "host" section.
func hostInfo() map[string]any {
	var si unix.Sysinfo_t
	_ = unix.Sysinfo(&si)
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	hostname, _ := os.Hostname()
	cgroup := "v1"
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		cgroup = "v2"
	}
	unit := uint64(si.Unit)
	up := time.Duration(si.Uptime) * time.Second
	return map[string]any{
		"os": runtime.GOOS, "arch": runtime.GOARCH, "cpus": runtime.NumCPU(), "variant": "",
		"OCIRuntime": cmp.Or(os.Getenv("BUILDAH_RUNTIME"), "runc"), "CgroupVersion": cgroup,
		"Distribution": distribution(), "hostname": hostname, "kernel": unix.ByteSliceToString(uts.Release[:]),
		"MemTotal": si.Totalram * unit, "MemFree": si.Freeram * unit, "SwapTotal": si.Totalswap * unit, "SwapFree": si.Freeswap * unit,
		"rootless": os.Geteuid() != 0,
		"uptime":   fmt.Sprintf("%s (Approximately %.2f days)", up, up.Hours()/24),
	}
}

// distribution reads /etc/os-release's ID and VERSION_ID.
func distribution() map[string]string {
	d := map[string]string{"distribution": "", "version": ""}
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return d
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, _ := strings.Cut(s.Text(), "=")
		switch k {
		case "ID":
			d["distribution"] = strings.Trim(v, `"`)
		case "VERSION_ID":
			d["version"] = strings.Trim(v, `"`)
		}
	}
	return d
}
