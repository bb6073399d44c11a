package cmd

import (
	"context"

	ispecs "github.com/opencontainers/image-spec/specs-go"
	rspecs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/inspect"
	"github.com/hodbuild/hod/inspect/imageview"
	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/catalog"
	"github.com/hodbuild/hod/storage/lease"
	"github.com/hodbuild/hod/storage/transfer"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// globals are the settings every command shares, and the store, opened on
// first use only: "hod --help" or a bad flag never touches storage.
type globals struct {
	short.Globals
	store    cstorage.Store
	profiles profiles
}

func (g *globals) Store() (cstorage.Store, error) {
	if g.store == nil {
		store, err := storage.Open(g.Opts)
		if err != nil {
			return nil, err
		}
		// What killed hod processes left goes first: runs' processes and
		// mounts, half-done writes, staged copies.
		if err := lease.Reap(storage.Roots(store), lease.Handlers{Run: run.Reaper(store), Write: storage.ReapWrites(store), Unmount: storage.Unmount(store)}); err != nil {
			logrus.Warnf("%v", err)
		}
		g.store = store
	}
	return g.store, nil
}

// storeAndSys opens the store and builds the containers/image context.
func (g *globals) storeAndSys(r registryFlags) (cstorage.Store, *types.SystemContext, error) {
	if err := r.checkAuthFile(); err != nil {
		return nil, nil, err
	}
	store, err := g.Store()
	if err != nil {
		return nil, nil, err
	}
	sys, err := transfer.SystemContext(g.Opts, r.options())
	return store, sys, err
}

// Close releases the store, as buildah does after every command.
func (g *globals) Close() {
	if err := g.profiles.stop(); err != nil {
		logrus.Warnf("%v", err)
	}
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
	root := short.NewRoot(&g.Globals)
	root.AddCommand(short.Commands(g)...)
	g.profiles.flags(root)
	setLevel := root.PersistentPreRunE
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if err := setLevel(c, args); err != nil {
			return err
		}
		return g.profiles.start()
	}
	root.AddCommand(
		NewFrom(g), NewRun(g), NewMount(g), NewUmount(g), NewCopy(g), NewAdd(g), NewCommit(g), NewBud(g), NewPull(g), NewPush(g), NewLogin(g), NewLogout(g), NewManifest(g),
		NewRm(g), NewRmi(g), NewTag(g), NewRename(g), NewInfo(g), NewVersion(), NewUnshare(g), NewDoctor(g), NewDiff(g), NewRebase(g), NewPasswd(),
	)
	// cobra's completion commands print no "[flags]" in their usage lines
	// although they have flags; buildah's help test (and its readers)
	// expect them wherever a Flags: section follows.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			for _, sub := range c.Commands() {
				sub.DisableFlagsInUseLine = false
			}
		}
	}
	// buildah's --version line: NAME version V (image-spec V, runtime-spec V).
	root.Version = Version
	root.SetVersionTemplate(`{{.Name}} version {{.Version}} (image-spec ` + ispecs.Version + `, runtime-spec ` + rspecs.Version + ")\n")
	for _, c := range root.Commands() {
		c.Flags().SetNormalizeFunc(aliasFlags)
		switch c.Name() {
		case "from", "mount", "umount", "copy", "add", "commit", "push", "pull", "rm", "rmi", "rename":
			short.OptionsFirst(c)
		case "run", "bud", "unshare":
			// The command's own arguments follow the container (or context)
			// as they are: "run CTR /bin/sh -c 'x'" needs no "--".
			c.Flags().SetInterspersed(false)
		}
	}
	return root, g.Close
}

// aliasFlags are buildah's other spellings of flags (its AliasFlags):
// --net, --tty, --purge, --override-arch and --override-os.
func aliasFlags(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	switch name {
	case "net":
		name = "network"
	case "override-arch":
		name = "arch"
	case "override-os":
		name = "os"
	case "purge":
		name = "rm"
	case "tty":
		name = "terminal"
	}
	return pflag.NormalizedName(name)
}

// Catalog is the store's records for the short calls, read through
// containers/storage once the store is open (which cleans up after
// killed hods).
func (g *globals) Catalog() (catalog.Reader, error) {
	store, err := g.Store()
	if err != nil {
		return nil, err
	}
	return storage.CatalogView(store), nil
}

// Full is the full binary's part of the short calls.
func (g *globals) Full() short.Full { return g }

func (g *globals) Candidates(name string) []string { return storage.Candidates(name) }

func (g *globals) ImageSize(id string) (int64, error) {
	store, err := g.Store()
	if err != nil {
		return -1, err
	}
	return store.ImageSize(id)
}

func (g *globals) InspectImage(ctx context.Context, name string, isolation policy.Isolation) (*inspect.Builder, error) {
	store, sys, err := g.storeAndSys(registryFlags{})
	if err != nil {
		return nil, err
	}
	return imageview.Image(ctx, store, sys, name, isolation)
}

func (g *globals) Base(ctx context.Context, id string) (*inspect.Base, error) {
	store, sys, err := g.storeAndSys(registryFlags{})
	if err != nil {
		return nil, err
	}
	return imageview.Base(ctx, store, sys, id)
}
