package cmd

import (
	"errors"
	"fmt"
	"time"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
)

// NewCommit returns "hod commit".
func NewCommit(g *globals) *cobra.Command {
	var o commitFlags
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
		Args: short.Args(1, 2, "container ID must be specified", short.TooMany),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.cp && (len(args) > 1 || o.rm || o.squash) {
				return errors.New("--layer takes no IMAGE and cannot be combined with --rm or --squash")
			}
			ts, err := timestamp(cmd, o.seconds)
			if err != nil {
				return err
			}
			if o.omitTimestamp {
				epoch := time.Unix(0, 0).UTC()
				ts = &epoch
			}
			store, sys, err := g.storeAndSys(o.reg)
			if err != nil {
				return err
			}
			c, err := container.Open(store, args[0])
			if err != nil {
				return err
			}
			// A killed run's mount points must not land in the layer.
			if err := run.Reap(c); err != nil {
				return err
			}
			format, err := commit.ParseFormat(o.format)
			if err != nil {
				return err
			}
			opts := commit.Options{Format: format, Squash: o.squash, Timestamp: ts, OmitHistory: o.omit, UnsetEnv: o.unsetEnv, Sys: sys, Protection: o.protection, Report: progress(cmd, o.quiet),
				Attest: attestRequest(o.sbom, o.provenance)}
			dest := ""
			if len(args) > 1 {
				dest = args[1]
			}
			var id string
			if o.cp {
				id, err = commit.Checkpoint(cmd.Context(), c, opts)
			} else {
				id, err = commit.Commit(cmd.Context(), c, dest, opts)
			}
			if err != nil {
				return err
			}
			if err := writeIDFile(o.iidfile, "sha256:"+id); err != nil {
				return err
			}
			if o.manifest != "" {
				if err := addToList(cmd, store, o.manifest, id, storage.Platform{}); err != nil {
					return err
				}
			}
			if o.rm {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			if o.iidfile == "" { // buildah prints the ID only without --iidfile
				fmt.Fprintln(cmd.OutOrStdout(), id)
			}
			return nil
		},
	}
	addCommitFlags(cmd, &o)
	return cmd
}

// commitFlags are "hod commit"'s flags.
type commitFlags struct {
	reg                         registryFlags
	format, iidfile, manifest   string
	squash, rm, omit, quiet, cp bool
	omitTimestamp, identity     bool
	noCompression               bool
	sbom, provenance            bool
	unsetEnv                    []string
	seconds                     int64
	protection                  transfer.Protection
}

func addCommitFlags(cmd *cobra.Command, o *commitFlags) {
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", defaultFormat(), "image format: oci or docker ($BUILDAH_FORMAT)")
	f.BoolVar(&o.squash, "squash", false, "write the whole root filesystem as the image's only layer")
	addAttestFlags(cmd, &o.sbom, &o.provenance)
	f.BoolVar(&o.rm, "rm", false, "remove the working container after committing")
	f.BoolVar(&o.omit, "omit-history", false, "write no history into the image")
	f.BoolVar(&o.cp, "layer", false, "checkpoint: commit a layer boundary and keep working")
	f.Int64Var(&o.seconds, "timestamp", 0, "creation time and file mtimes, in seconds since 1970 (reproducible builds)")
	f.StringVar(&o.iidfile, "iidfile", "", "write the image ID to this file")
	f.StringVar(&o.manifest, "manifest", "", "add the image to this manifest list (created if missing)")
	f.StringArrayVar(&o.unsetEnv, "unsetenv", nil, "leave this environment variable out of the image (repeatable)")
	f.BoolVar(&o.omitTimestamp, "omit-timestamp", false, "set the creation time and file mtimes to 1970 (as --timestamp 0)")
	f.BoolVar(&o.identity, "identity-label", true, "accepted for buildah compatibility: hod adds no io.buildah.version label")
	f.BoolVarP(&o.noCompression, "disable-compression", "D", true, "accepted for buildah compatibility: local layers are never compressed")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "do not report progress")
	addProtectionFlags(cmd, &o.protection)
	addRegistryFlags(cmd, &o.reg)
}
