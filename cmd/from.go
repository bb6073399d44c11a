package cmd

import (
	"fmt"
	"time"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/spf13/cobra"
)

// NewFrom returns "hod from".
func NewFrom(g *globals) *cobra.Command {
	var (
		reg            registryFlags
		name, cidfile  string
		quiet          bool
		pull           pullFlags
		platform       platformFlags
		retry          int
		retryDelay     time.Duration
		format         string
		decryptionKeys []string
		userns         usernsFlags
	)
	cmd := &cobra.Command{
		Use:   "from [flags] IMAGE",
		Short: "Create a working container from an image, or from scratch",
		Long:  "Create a working container from IMAGE (a local name or ID, or a transport reference such as\noci:DIR:TAG, docker-archive:FILE, dir:DIR or docker://REGISTRY/NAME), or an empty one from \"scratch\".\nThe container's name is printed on stdout.",
		Example: `  ctr=$(hod from scratch)
  hod from --name web localhost/base:1
  hod from --pull=never oci:/tmp/layout:app`,
		Args: short.Args(1, 1, `an image name (or "scratch") must be specified`, short.TooMany),
		RunE: func(cmd *cobra.Command, args []string) error {
			policy, err := pull.policy(cmd)
			if err != nil {
				return err
			}
			if format != "" {
				if _, err := commit.ParseFormat(format); err != nil {
					return err
				}
			}
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			if sys, err = platform.choose(sys); err != nil {
				return err
			}
			ids, err := userns.idMap()
			if err != nil {
				return err
			}
			c, err := container.From(cmd.Context(), store, sys, args[0], container.Options{
				Name: name, RunDefaults: runDefaults(cmd), IDMap: ids,
				Pull: transfer.PullOptions{Policy: policy, Retry: retry, RetryDelay: retryDelay, DecryptionKeys: decryptionKeys, Report: progress(cmd, quiet)},
			})
			if err != nil {
				return err
			}
			if err := writeIDFile(cidfile, c.ID); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), c.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "name of the working container (default IMAGE-working-container)")
	f.StringVar(&cidfile, "cidfile", "", "write the container ID to this file")
	addPullFlags(cmd, &pull)
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report pull progress")
	f.IntVar(&retry, "retry", 3, "times to retry a failed pull")
	f.DurationVar(&retryDelay, "retry-delay", 2*time.Second, "delay between pull retries")
	addPlatformFlags(cmd, &platform)
	addDecryptionFlag(cmd, &decryptionKeys)
	addUsernsFlags(cmd, &userns)
	f.StringVarP(&format, "format", "f", "", "oci or docker: checked and accepted; as in buildah 1.28, commit's own --format decides")
	// Run flags: kept as defaults for the container's later runs, as buildah does.
	addRunFlags(cmd, &runFlags{})
	addRegistryFlags(cmd, &reg)
	return cmd
}
