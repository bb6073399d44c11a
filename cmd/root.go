package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/storage"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// globals are the settings every command shares, and the store, opened on
// first use only: "hod --help" or a bad flag never touches storage.
type globals struct {
	opts     storage.Options
	logLevel string
	store    cstorage.Store
}

func (g *globals) Store() (cstorage.Store, error) {
	if g.store == nil {
		store, err := g.opts.Open()
		if err != nil {
			return nil, err
		}
		// What killed hod processes left goes first: runs' processes and
		// mounts, half-done writes, staged copies.
		if err := run.ReapAll(store); err != nil {
			logrus.Warnf("clean up after killed runs: %v", err)
		}
		if err := storage.ReapWrites(store); err != nil {
			logrus.Warnf("clean up after killed writes: %v", err)
		}
		if err := storage.ReapStaging(store); err != nil {
			logrus.Debugf("clean up staged copies: %v", err)
		}
		g.store = store
	}
	return g.store, nil
}

// storeAndSys opens the store and builds the containers/image context.
func (g *globals) storeAndSys(r registryFlags) (cstorage.Store, *types.SystemContext, error) {
	store, err := g.Store()
	if err != nil {
		return nil, nil, err
	}
	sys, err := g.opts.SystemContext(r.options())
	return store, sys, err
}

// Close releases the store, as buildah does after every command.
func (g *globals) Close() {
	if g.store != nil {
		if _, err := g.store.Shutdown(false); err != nil {
			logrus.Debugf("shut down store: %v", err)
		}
	}
}

// New returns hod's root command. Its usage lines start with the name hod
// was invoked as. Close must be called on the returned globals' behalf via
// the returned function once the command has run.
func New() (*cobra.Command, func()) {
	g := &globals{}
	root := &cobra.Command{
		Use:           filepath.Base(os.Args[0]),
		Short:         "Build OCI container images step by step, without a daemon",
		Long:          "hod builds OCI images from shell scripts, make or Ansible: create a working container,\nchange it with mount, copy, run and config, and commit it. It shares storage with buildah and podman.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			level, err := logrus.ParseLevel(g.logLevel)
			if err != nil {
				return err
			}
			logrus.SetLevel(level)
			return nil
		},
	}
	addGlobalFlags(root, g)
	root.AddCommand(
		NewFrom(g), NewRun(g), NewMount(g), NewUmount(g), NewCopy(g), NewAdd(g), NewConfig(g), NewCommit(g), NewBud(g), NewPull(g), NewPush(g), NewLogin(g), NewLogout(g), NewManifest(g),
		NewContainers(g), NewImages(g), NewInspect(g), NewRm(g), NewRmi(g), NewTag(g), NewRename(g),
		NewInfo(g), NewVersion(), NewUnshare(g), NewDoctor(g),
	)
	for _, c := range root.Commands() {
		switch c.Name() {
		case "from", "mount", "umount", "copy", "add", "config", "commit", "push", "pull", "inspect", "rm", "rmi", "rename":
			optionsFirst(c)
		case "run", "bud", "unshare":
			// The command's own arguments follow the container (or context)
			// as they are: "run CTR /bin/sh -c 'x'" needs no "--".
			c.Flags().SetInterspersed(false)
		}
	}
	return root, g.Close
}

// optionsFirst makes c refuse options after its first argument, as
// buildah 1.28 does ("config CTR --author x" is an error, not a flag).
func optionsFirst(c *cobra.Command) {
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
}

func addGlobalFlags(root *cobra.Command, g *globals) {
	f := root.PersistentFlags()
	f.StringVar(&g.opts.Root, "root", "", "storage root directory (default from storage.conf)")
	f.StringVar(&g.opts.RunRoot, "runroot", "", "storage state directory (default from storage.conf)")
	f.StringVar(&g.opts.Driver, "storage-driver", "", "storage driver: overlay or vfs (default from storage.conf)")
	f.StringSliceVar(&g.opts.DriverOpts, "storage-opt", nil, "storage driver option (repeatable)")
	f.StringVar(&g.opts.RegistriesConf, "registries-conf", "", "path to registries.conf")
	f.StringVar(&g.opts.RegistriesConfDir, "registries-conf-dir", "", "path to the registries.conf.d directory")
	f.StringVar(&g.opts.ShortNameAliasConf, "short-name-alias-conf", "", "path to the short-name alias cache")
	f.StringVar(&g.opts.SignaturePolicy, "signature-policy", "", "path to the signature policy (policy.json)")
	f.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
}
