package cmd

import (
	"cmp"
	"os"
	"time"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/manifest"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/storage"
	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// NewPush returns "hod push".
func NewPush(g *globals) *cobra.Command {
	var (
		reg                                   registryFlags
		format, compressionFormat, digestFile string
		level, retry                          int
		retryDelay                            time.Duration
		removeSignatures, all, noCompress     bool
		sbom, provenance                      bool
		rm, quiet                             bool
		protection                            transfer.Protection
	)
	cmd := &cobra.Command{
		Use:   "push [flags] IMAGE [DESTINATION]",
		Short: "Copy a local image to a registry or another transport",
		Long: "Push IMAGE to DESTINATION: a transport reference (docker://, oci:, oci-archive:, docker-archive:,\n" +
			"dir:, containers-storage:) or a registry name (docker:// implied). Without DESTINATION, the image's name.",
		Example: `  hod push localhost/app:1 docker://registry.local:5000/team/app:1
  hod push registry.local:5000/team/app:1
  hod push --compression-format zstd --digestfile d localhost/app:1 registry.local:5000/team/app:zstd
  hod push localhost/app:1 oci-archive:/tmp/app.tar`,
		Args: short.Args(1, 2, "at least a source image ID must be specified", "Only two arguments are necessary to push: source and destination"),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			dest := ""
			if len(args) > 1 {
				dest = args[1]
			}
			opts := transfer.PushOptions{Format: format, Compression: compressionFormat, Retry: retry, RetryDelay: retryDelay, RemoveSignatures: removeSignatures, DisableCompression: noCompress, Protection: protection, Report: progress(cmd, quiet),
				Attest: attestRequest(sbom, provenance)}
			if cmd.Flags().Changed("compression-level") {
				opts.CompressionLevel = &level
			}
			d, err := pushOne(cmd, store, sys, args[0], dest, all, opts)
			if err != nil {
				return err
			}
			if digestFile != "" {
				if err := os.WriteFile(digestFile, []byte(d.String()), 0o644); err != nil {
					return err
				}
			}
			if rm {
				_, err = storage.Remove(store, args[0], false)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", "", "manifest format: oci or docker (default: as stored)")
	f.StringVar(&compressionFormat, "compression-format", "", "layer compression: gzip, zstd or zstd:chunked")
	f.IntVar(&level, "compression-level", 0, "compression level")
	f.StringVar(&digestFile, "digestfile", "", "write the pushed manifest's digest to this file")
	f.BoolVar(&rm, "rm", false, "remove the local image after pushing")
	f.IntVar(&retry, "retry", 3, "times to retry a failed push")
	f.DurationVar(&retryDelay, "retry-delay", 2*time.Second, "delay between retries")
	f.BoolVar(&removeSignatures, "remove-signatures", false, "do not copy signatures")
	addAttestFlags(cmd, &sbom, &provenance)
	f.BoolVarP(&noCompress, "disable-compression", "D", false, "do not compress layers where the destination allows it (dir:)")
	f.BoolVar(&all, "all", false, "with a manifest list, push every image it lists too (as manifest push --all)")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report progress")
	addProtectionFlags(cmd, &protection)
	addRegistryFlags(cmd, &reg)
	return cmd
}

// pushOne pushes an image, or with --all a manifest list and its images.
func pushOne(cmd *cobra.Command, store cstorage.Store, sys *types.SystemContext, name, dest string, all bool, opts transfer.PushOptions) (digest.Digest, error) {
	if all {
		if _, err := manifest.Inspect(store, name); err == nil {
			return transfer.PushList(cmd.Context(), store, sys, name, cmp.Or(dest, name), true, opts)
		}
	}
	return transfer.Push(cmd.Context(), store, sys, name, dest, opts)
}
