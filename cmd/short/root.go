package short

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/storage/storeconf"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// Globals are the global flags (buildah's), which both binaries parse.
type Globals struct {
	Opts     storeconf.Options
	LogLevel string
}

// NewRoot returns a root command with the global flags. Its usage lines
// start with the name hod was invoked as.
func NewRoot(g *Globals) *cobra.Command {
	root := &cobra.Command{
		Use:           filepath.Base(os.Args[0]),
		Short:         "Build OCI container images step by step, without a daemon",
		Long:          "hod builds OCI images from shell scripts, make or Ansible: create a working container,\nchange it with mount, copy, run and config, and commit it. It shares storage with buildah and podman.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			level, err := logrus.ParseLevel(g.LogLevel)
			if err != nil {
				return err
			}
			logrus.SetLevel(level)
			return nil
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&g.Opts.Root, "root", "", "storage root directory (default from storage.conf)")
	f.StringVar(&g.Opts.RunRoot, "runroot", "", "storage state directory (default from storage.conf)")
	f.StringVar(&g.Opts.Driver, "storage-driver", "", "storage driver: overlay or vfs (default from storage.conf)")
	f.StringSliceVar(&g.Opts.DriverOpts, "storage-opt", nil, "storage driver option (repeatable)")
	f.StringVar(&g.Opts.RegistriesConf, "registries-conf", "", "path to registries.conf")
	f.StringVar(&g.Opts.RegistriesConfDir, "registries-conf-dir", "", "path to the registries.conf.d directory")
	f.StringVar(&g.Opts.ShortNameAliasConf, "short-name-alias-conf", "", "path to the short-name alias cache")
	f.StringVar(&g.Opts.SignaturePolicy, "signature-policy", "", "path to the signature policy (policy.json)")
	f.StringVar(&g.LogLevel, "log-level", "warn", "log level: debug, info, warn, error")
	return root
}

// OptionsFirst makes c refuse options after its first argument, as
// buildah 1.28 does ("config CTR --author x" is an error, not a flag).
func OptionsFirst(c *cobra.Command) *cobra.Command {
	c.Flags().SetInterspersed(false)
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		for _, a := range args[min(1, len(args)):] {
			if strings.HasPrefix(a, "-") && a != "-" {
				return fmt.Errorf("no options (%s) can be specified after the image or container name", a)
			}
		}
		if check == nil {
			return nil
		}
		return check(cmd, args)
	}
	return c
}
