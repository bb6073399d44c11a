package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/hodbuild/hod/cmd/short"

	ispecs "github.com/opencontainers/image-spec/specs-go"
	rspecs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
)

// Version is hod's version, set at link time by the Makefile.
var Version = "0.1.0-dev"

// NewVersion returns "hod version".
func NewVersion() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show hod's version and the versions of the specs and libraries it uses",
		Example: `  hod version
  hod version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if asJSON {
				platform := runtime.GOOS + "/" + runtime.GOARCH
				return short.PrintOne(out, map[string]string{ // buildah's keys
					"version": Version, "goVersion": runtime.Version(), "imageSpec": ispecs.Version, "runtimeSpec": rspecs.Version,
					"cniSpec": "", "libcniVersion": "", "imageVersion": moduleVersion("go.podman.io/image/v5"), "gitCommit": "",
					"built": "", "osArch": platform, "buildPlatform": platform,
				}, "")
			}
			fmt.Fprintf(out, "Version:         %s\n", Version)
			fmt.Fprintf(out, "Go Version:      %s\n", runtime.Version())
			fmt.Fprintf(out, "Image Spec:      %s\n", ispecs.Version)
			fmt.Fprintf(out, "Runtime Spec:    %s\n", rspecs.Version)
			fmt.Fprintf(out, "image Version:   %s\n", moduleVersion("go.podman.io/image/v5"))
			fmt.Fprintf(out, "storage Version: %s\n", moduleVersion("go.podman.io/storage"))
			fmt.Fprintf(out, "OS/Arch:         %s/%s\n", runtime.GOOS, runtime.GOARCH)
			fmt.Fprintf(out, "BuildPlatform:   %s/%s\n", runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with buildah's keys")
	return cmd
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return "unknown"
}
