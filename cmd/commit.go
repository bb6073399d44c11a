package cmd

import (
	"errors"
	"fmt"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/spf13/cobra"
)

// NewCommit returns "hod commit".
func NewCommit(g *globals) *cobra.Command {
	var (
		reg                         registryFlags
		format, iidfile             string
		squash, rm, omit, quiet, cp bool
		seconds                     int64
	)
	cmd := &cobra.Command{
		Use:   "commit [flags] CONTAINER [IMAGE]",
		Short: "Write a working container's changes as a new image",
		Long: "Write CONTAINER's changes as one new layer on its base image and print the image ID.\n" +
			"IMAGE is a local name or a transport reference (oci:DIR:TAG, docker://..., dir:DIR, ...).\n" +
			"With --layer, record a layer boundary and keep working: the next commit adds a new layer\n" +
			"holding only the changes made after it. --timestamp (or $SOURCE_DATE_EPOCH) makes the\n" +
			"image reproducible: the same inputs give the same digest.",
		Example: `  hod commit --rm "$ctr" localhost/app:1
  hod commit --timestamp 0 "$ctr" oci:/tmp/out:app
  hod commit --layer "$ctr"          # checkpoint; keep working`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cp && (len(args) > 1 || rm || squash) {
				return errors.New("--layer takes no IMAGE and cannot be combined with --rm or --squash")
			}
			ts, err := timestamp(cmd, seconds)
			if err != nil {
				return err
			}
			store, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			c, err := container.Open(store, args[0])
			if err != nil {
				return err
			}
			opts := commit.Options{Format: format, Squash: squash, Timestamp: ts, OmitHistory: omit, Sys: sys, Report: progress(cmd, quiet)}
			dest := ""
			if len(args) > 1 {
				dest = args[1]
			}
			var id string
			if cp {
				id, err = commit.Checkpoint(cmd.Context(), c, opts)
			} else {
				id, err = commit.Commit(cmd.Context(), c, dest, opts)
			}
			if err != nil {
				return err
			}
			if err := writeIDFile(iidfile, "sha256:"+id); err != nil {
				return err
			}
			if rm {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", commit.FormatOCI, "image format: oci or docker")
	f.BoolVar(&squash, "squash", false, "write the whole root filesystem as the image's only layer")
	f.BoolVar(&rm, "rm", false, "remove the working container after committing")
	f.BoolVar(&omit, "omit-history", false, "write no history into the image")
	f.BoolVar(&cp, "layer", false, "checkpoint: commit a layer boundary and keep working")
	f.Int64Var(&seconds, "timestamp", 0, "creation time and file mtimes, in seconds since 1970 (reproducible builds)")
	f.StringVar(&iidfile, "iidfile", "", "write the image ID to this file")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not report progress")
	addRegistryFlags(cmd, &reg)
	return cmd
}
