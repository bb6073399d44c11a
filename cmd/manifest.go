package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/manifest"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"
)

// NewManifest returns "hod manifest" and its subcommands.
func NewManifest(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Build and push multi-platform manifest lists",
		Example: `  hod manifest create localhost/app:multi
  hod manifest add localhost/app:multi localhost/app:amd64
  hod manifest add --arch arm64 localhost/app:multi localhost/app:arm64
  hod manifest push --all localhost/app:multi docker://registry.local:5000/team/app:multi`,
	}
	cmd.AddCommand(newManifestCreate(g), newManifestAdd(g), newManifestRemove(g), newManifestInspect(g), newManifestPush(g), newManifestRm(g), newManifestAnnotate(g), newManifestExists(g))
	return cmd
}

func newManifestCreate(g *globals) *cobra.Command {
	var (
		reg        registryFlags
		all, amend bool
	)
	cmd := &cobra.Command{
		Use:   "create [flags] LIST [IMAGE...]",
		Short: "Create a manifest list, optionally with images in it; prints its ID",
		Example: `  hod manifest create localhost/app:multi localhost/app:amd64 localhost/app:arm64
  hod manifest create --amend localhost/app:multi localhost/app:s390x`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			id, err := manifest.Create(store, args[0], amend)
			if err != nil {
				return err
			}
			for _, image := range args[1:] {
				if _, err := transfer.AddToList(cmd.Context(), store, sys, args[0], image, manifest.Instance{}, all); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "add every instance of the images that are lists (default: this platform's)")
	f.BoolVar(&amend, "amend", false, "add to the list of that name if there is one")
	addRegistryFlags(cmd, &reg)
	return cmd
}

// instanceFlags are what manifest add and annotate record about an
// instance.
type instanceFlags struct {
	in          manifest.Instance
	annotations []string
	features    []string
}

func addInstanceFlags(cmd *cobra.Command, i *instanceFlags) {
	f := cmd.Flags()
	f.StringVar(&i.in.Platform.Arch, "arch", "", "architecture to record (default: the image's)")
	f.StringVar(&i.in.Platform.OS, "os", "", "operating system to record (default: the image's)")
	f.StringVar(&i.in.Platform.Variant, "variant", "", "architecture variant to record (default: the image's)")
	f.StringVar(&i.in.OSVersion, "os-version", "", "OS version to record (default: the image's)")
	f.StringSliceVar(&i.in.OSFeatures, "os-features", nil, "OS features to record (default: the image's)")
	f.StringSliceVar(&i.features, "features", nil, "CPU features; an OCI index has no field for them, so, as in buildah 1.28, they are not recorded")
	f.StringArrayVar(&i.annotations, "annotation", nil, "annotation KEY=VALUE to record on the instance (repeatable)")
}

func (i *instanceFlags) instance() (manifest.Instance, error) {
	in := i.in
	for _, a := range i.annotations {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return in, fmt.Errorf("no value given for annotation %q", a)
		}
		if in.Annotations == nil {
			in.Annotations = map[string]string{}
		}
		in.Annotations[k] = v
	}
	return in, nil
}

func newManifestAdd(g *globals) *cobra.Command {
	var (
		reg registryFlags
		i   instanceFlags
		all bool
	)
	cmd := &cobra.Command{
		Use:   "add [flags] LIST IMAGE",
		Short: "Add a local image to a manifest list; prints the list's ID and the image's manifest digest",
		Example: `  hod manifest add localhost/app:multi localhost/app:amd64
  hod manifest add --arch arm64 --variant v8 --annotation org.example.tier=edge localhost/app:multi localhost/app:arm64
  hod manifest add --all localhost/app:multi localhost/base:multi`,
		Args: cobra.MatchAll(cobra.MinimumNArgs(2), short.Args(0, 2, "", "At least two arguments are necessary: list and image to add to list")),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := i.instance()
			if err != nil {
				return err
			}
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			d, err := transfer.AddToList(cmd.Context(), store, sys, args[0], args[1], in, all)
			if err != nil {
				return err
			}
			list, err := storage.Lookup(store, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", list.ID, d) // as buildah: the list's ID and the instance
			return nil
		},
	}
	addInstanceFlags(cmd, &i)
	cmd.Flags().BoolVar(&all, "all", false, "if IMAGE is a list, add every instance (default: this platform's)")
	addRegistryFlags(cmd, &reg)
	return cmd
}

func newManifestAnnotate(g *globals) *cobra.Command {
	var i instanceFlags
	cmd := &cobra.Command{
		Use:   "annotate [flags] LIST INSTANCE",
		Short: "Change what a manifest list records about an instance (a digest or a local image); prints the list's ID and the digest",
		Example: `  hod manifest annotate --os-version 10.0.17763 --annotation tier=edge localhost/app:multi sha256:4ae3…
  hod manifest annotate --variant v7 localhost/app:multi localhost/app:arm`,
		Args: cobra.MatchAll(cobra.MinimumNArgs(2), short.Args(0, 2, "", "At least two arguments are necessary: list and image to add to list")),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := i.instance()
			if err != nil {
				return err
			}
			store, err := g.Store()
			if err != nil {
				return err
			}
			id, d, err := manifest.Annotate(store, args[0], args[1], in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", id, d)
			return nil
		},
	}
	addInstanceFlags(cmd, &i)
	return cmd
}

func newManifestExists(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "exists LIST",
		Short:   "Exit 0 if a manifest list of that name exists, 1 if none does",
		Example: `  hod manifest exists localhost/app:multi || hod manifest create localhost/app:multi`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			ok, err := manifest.Exists(store, args[0])
			if err == nil && !ok {
				return &run.ExitError{Code: 1}
			}
			return err
		},
	}
}

func newManifestRemove(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "remove LIST DIGEST",
		Short:   "Remove an instance from a manifest list",
		Example: `  hod manifest remove localhost/app:multi sha256:0f1e…`,
		Args:    cobra.MatchAll(cobra.MinimumNArgs(2), short.Args(0, 2, "", "At least two arguments are necessary: list and digest of instance to remove from list")),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := digest.Parse(args[1])
			if err != nil {
				return fmt.Errorf("Invalid instance %q: %w", args[1], err) //nolint:staticcheck // buildah's words
			}
			store, err := g.Store()
			if err != nil {
				return err
			}
			return manifest.Remove(store, args[0], d)
		},
	}
}

func newManifestInspect(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "inspect LIST",
		Short:   "Print a manifest list",
		Example: `  hod manifest inspect localhost/app:multi | jq '.manifests[].platform'`,
		Args:    cobra.MatchAll(cobra.MinimumNArgs(1), short.Args(0, 1, "", "Only one argument is necessary for inspect: an image name")),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			raw, err := manifest.Inspect(store, args[0])
			if err != nil {
				return err
			}
			var out bytes.Buffer
			if err := json.Indent(&out, raw, "", "    "); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.String())
			return nil
		},
	}
}

func newManifestPush(g *globals) *cobra.Command {
	var (
		reg            registryFlags
		opts           transfer.PushOptions
		all, rm, quiet bool
		digestFile     string
	)
	cmd := &cobra.Command{
		Use:   "push [flags] LIST DESTINATION",
		Short: "Push a manifest list (with --all, every image in it)",
		Example: `  hod manifest push --all localhost/app:multi docker://registry.local:5000/team/app:multi
  hod manifest push --all --format v2s2 localhost/app:multi oci-archive:/tmp/app.tar`,
		Args: cobra.MatchAll(cobra.MinimumNArgs(2), short.Args(0, 2, "", "Only two arguments are necessary to push: source and destination")),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			opts.Report = progress(cmd, quiet)
			d, err := transfer.PushList(cmd.Context(), store, sys, args[0], args[1], all, opts)
			if err != nil {
				return err
			}
			if err := writeIDFile(digestFile, d.String()); err != nil {
				return err
			}
			if rm {
				_, err = storage.Remove(store, args[0], false)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "push every image in the list, not only this platform's")
	f.BoolVar(&rm, "rm", false, "remove the list after pushing")
	f.StringVarP(&opts.Format, "format", "f", "", "list format: oci (an OCI index) or v2s2 (a Docker manifest list); default: the destination's first choice")
	f.BoolVar(&opts.RemoveSignatures, "remove-signatures", false, "do not copy signatures")
	f.StringVar(&opts.Protection.SignBy, "sign-by", "", "sign the pushed list and images with this GnuPG key")
	f.StringVar(&digestFile, "digestfile", "", "write the pushed list's digest to this file")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report progress")
	addRegistryFlags(cmd, &reg)
	return cmd
}

func newManifestRm(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "rm LIST...",
		Short:   "Remove manifest lists (not the images in them)",
		Example: `  hod manifest rm localhost/app:multi`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			return removeEach(cmd.OutOrStdout(), args, func(name string) ([]string, error) {
				if _, err := manifest.Inspect(store, name); err != nil {
					return nil, err
				}
				return storage.Remove(store, name, false)
			})
		},
	}
}
