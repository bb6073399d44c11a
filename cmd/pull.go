package cmd

import (
	"fmt"
	"time"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
)

// NewPull returns "hod pull".
func NewPull(g *globals) *cobra.Command {
	var (
		reg                             registryFlags
		policy, platform, arch, os, vrt string
		allTags, quiet                  bool
		retry                           int
		retryDelay                      time.Duration
		removeSigs                      bool
		decryptionKeys                  []string
	)
	cmd := &cobra.Command{
		Use:   "pull [flags] IMAGE",
		Short: "Copy an image from a registry (or any transport) into local storage",
		Long: "Pull IMAGE and print its ID. Short names are resolved by registries.conf (aliases,\n" +
			"unqualified-search-registries); an ambiguous one fails without a terminal to ask on.",
		Example: `  hod pull registry.local:5000/team/app:1
  hod pull --all-tags --tls-verify=false 127.0.0.1:5000/team/app
  hod pull --platform linux/arm64 docker://registry.local:5000/team/app:multi`,
		Args: short.Args(1, 1, "an image name must be specified", short.TooMany),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := transfer.ParsePullPolicy(policy)
			if err != nil {
				return err
			}
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			if platform != "" {
				p, err := storage.ParsePlatform(platform)
				if err != nil {
					return fmt.Errorf("parse --platform: %w", err)
				}
				os, arch, vrt = p.OS, p.Arch, p.Variant
			}
			sys.OSChoice, sys.ArchitectureChoice, sys.VariantChoice = os, arch, vrt
			opts := transfer.PullOptions{Policy: p, Retry: retry, RetryDelay: retryDelay, RemoveSignatures: removeSigs, DecryptionKeys: decryptionKeys, Report: progress(cmd, quiet)}
			names := []string{args[0]}
			if allTags {
				if names, err = transfer.RepositoryTags(cmd.Context(), sys, args[0]); err != nil {
					return err
				}
			}
			for _, name := range names {
				img, err := transfer.Pull(cmd.Context(), store, sys, name, opts)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), img.ID)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&retry, "retry", 3, "times to retry a failed pull")
	f.DurationVar(&retryDelay, "retry-delay", 2*time.Second, "delay between pull retries")
	f.BoolVar(&removeSigs, "remove-signatures", false, "do not copy signatures")
	f.StringVar(&policy, "policy", string(transfer.PullAlways), "pull policy: always, missing, never")
	f.BoolVarP(&allTags, "all-tags", "a", false, "pull every tag of the repository")
	f.StringVar(&platform, "platform", "", "OS/ARCH[/VARIANT] to pick from a manifest list")
	f.StringVar(&arch, "arch", "", "architecture to pick from a manifest list")
	f.StringVar(&os, "os", "", "operating system to pick from a manifest list")
	f.StringVar(&vrt, "variant", "", "architecture variant to pick from a manifest list")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report progress")
	addDecryptionFlag(cmd, &decryptionKeys)
	addRegistryFlags(cmd, &reg)
	return cmd
}
