package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

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
	cmd.AddCommand(newManifestCreate(g), newManifestAdd(g), newManifestRemove(g), newManifestInspect(g), newManifestPush(g), newManifestRm(g))
	return cmd
}

func newManifestCreate(g *globals) *cobra.Command {
	var reg registryFlags
	cmd := &cobra.Command{
		Use:   "create LIST [IMAGE...]",
		Short: "Create a manifest list, optionally with images in it; prints its ID",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			id, err := storage.ManifestCreate(store, args[0])
			if err != nil {
				return err
			}
			for _, image := range args[1:] {
				if _, err := storage.ManifestAdd(cmd.Context(), store, sys, args[0], image, storage.Platform{}); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
	addRegistryFlags(cmd, &reg)
	return cmd
}

func newManifestAdd(g *globals) *cobra.Command {
	var (
		reg registryFlags
		p   storage.Platform
	)
	cmd := &cobra.Command{
		Use:   "add [flags] LIST IMAGE",
		Short: "Add a local image to a manifest list; prints the list's ID and the image's manifest digest",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			d, err := storage.ManifestAdd(cmd.Context(), store, sys, args[0], args[1], p)
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
	f := cmd.Flags()
	f.StringVar(&p.Arch, "arch", "", "architecture to record (default: the image's)")
	f.StringVar(&p.OS, "os", "", "operating system to record (default: the image's)")
	f.StringVar(&p.Variant, "variant", "", "architecture variant to record (default: the image's)")
	addRegistryFlags(cmd, &reg)
	return cmd
}

func newManifestRemove(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove LIST DIGEST",
		Short: "Remove an instance from a manifest list",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := digest.Parse(args[1])
			if err != nil {
				return fmt.Errorf("parse digest %q: %w", args[1], err)
			}
			store, err := g.Store()
			if err != nil {
				return err
			}
			return storage.ManifestRemove(store, args[0], d)
		},
	}
}

func newManifestInspect(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect LIST",
		Short: "Print a manifest list",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			raw, err := storage.ManifestInspect(store, args[0])
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
		all, rm, quiet bool
		digestFile     string
	)
	cmd := &cobra.Command{
		Use:   "push [flags] LIST DESTINATION",
		Short: "Push a manifest list (with --all, every image in it)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			d, err := storage.ManifestPush(cmd.Context(), store, sys, args[0], args[1], all, progress(cmd, quiet))
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
	f.StringVar(&digestFile, "digestfile", "", "write the pushed list's digest to this file")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report progress")
	addRegistryFlags(cmd, &reg)
	return cmd
}

func newManifestRm(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rm LIST...",
		Short: "Remove manifest lists (not the images in them)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			for _, name := range args {
				if _, err := storage.ManifestInspect(store, name); err != nil {
					return err
				}
				lines, err := storage.Remove(store, name, false)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), strings.Join(lines, "\n"))
			}
			return nil
		},
	}
}
