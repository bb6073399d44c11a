package cmd

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/copier"
	"github.com/spf13/cobra"
)

// copyFlags are the flags "copy" and "add" share.
type copyFlags struct {
	chown, chmod, from, contextDir, ignoreFile, checksum string
	quiet                                                bool
	retry                                                int
	retryDelay                                           time.Duration
}

// NewCopy returns "hod copy".
func NewCopy(g *globals) *cobra.Command {
	return newCopyCommand(g, "copy", "Copy files and directories into a working container", false,
		`  hod copy "$ctr" ./app.conf /etc/app.conf
  hod copy --chown 1000:1000 --chmod 0640 "$ctr" secrets/ /srv/
  hod copy --from builder "$ctr" /out/app /usr/bin/app`)
}

// NewAdd returns "hod add".
func NewAdd(g *globals) *cobra.Command {
	return newCopyCommand(g, "add", "Copy into a working container, extracting local archives and downloading URLs", true,
		`  hod add "$ctr" ./rootfs.tar.gz /
  hod add --checksum sha256:... "$ctr" https://example.com/tool /usr/local/bin/tool`)
}

func newCopyCommand(g *globals, verb, summary string, add bool, example string) *cobra.Command {
	var o copyFlags
	cmd := &cobra.Command{
		Use:     verb + " [flags] CONTAINER SRC [SRC...] [DEST]",
		Short:   summary,
		Long:    summary + ".\nSources are host paths (globs allowed) relative to the current directory, or paths in another\ncontainer or image with --from. DEST follows Docker's rules: a trailing \"/\", an existing\ndirectory or several sources make it a directory. Files are owned by 0:0 unless --chown.",
		Example: example,
		Args:    cobra.MatchAll(cobra.MinimumNArgs(1), short.Args(2, -1, "src must be specified", "")),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, sys, err := g.storeAndSys(registryFlags{})
			if err != nil {
				return err
			}
			c, err := container.Open(store, args[0])
			if err != nil {
				return err
			}
			opts, err := o.options(add)
			if err != nil {
				return err
			}
			if o.from != "" {
				root, release, err := container.MountSource(cmd.Context(), store, sys, o.from, transfer.PullOptions{Retry: o.retry, RetryDelay: o.retryDelay})
				if err != nil {
					return err
				}
				defer release()
				opts.FromRoot = root
			}
			sources, dest := args[1:len(args)-1], args[len(args)-1]
			if len(args) == 2 {
				// "copy CTR SRC" copies into the working directory, as buildah does.
				sources, dest = args[1:], "."
			}
			given := sources
			if o.contextDir != "" && o.from == "" {
				// Sources may not leave the context directory.
				if sources, err = copier.ContextSources(o.contextDir, sources); err != nil {
					return err
				}
				opts.Confine = true
			}
			digest, err := copier.Copy(cmd.Context(), c, sources, dest, opts)
			if err != nil {
				return err
			}
			if short.AddHistory(cmd) {
				// buildah's entry: "COPY file:HEX", "ADD dir:HEX", "COPY multi:HEX".
				entry := fmt.Sprintf("/bin/sh -c #(nop) %s %s:%s", strings.ToUpper(verb), contentType(given, o.from), strings.TrimPrefix(digest, "sha256:"))
				if err := c.AddHistory(entry); err != nil {
					return err
				}
			}
			if !o.quiet {
				fmt.Fprintln(cmd.OutOrStdout(), digest)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Bool("add-history", false, "record the copy in the image's history (default $BUILDAH_HISTORY)")
	f.IntVar(&o.retry, "retry", 3, "times to retry pulling a --from image")
	f.DurationVar(&o.retryDelay, "retry-delay", 2*time.Second, "delay between those retries")
	f.StringVar(&o.chown, "chown", "", "owner USER[:GROUP] of the copies, looked up in the container (default 0:0)")
	f.StringVar(&o.chmod, "chmod", "", "octal mode of the copies")
	f.StringVar(&o.from, "from", "", "copy from this container or image instead of the host")
	f.StringVar(&o.contextDir, "contextdir", "", "directory the sources must lie in (no .., absolute path or symlink out of it) and the ignore patterns are relative to")
	f.StringVar(&o.ignoreFile, "ignorefile", "", "file of .dockerignore patterns (default CONTEXTDIR/.containerignore or .dockerignore)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing")
	if add {
		f.StringVar(&o.checksum, "checksum", "", "digest (sha256:...) a downloaded URL must have")
	}
	return cmd
}

func (o copyFlags) options(add bool) (copier.Options, error) {
	opts := copier.Options{Chown: o.chown, Chmod: o.chmod, ContextDir: o.contextDir, Extract: add}
	if o.ignoreFile != "" && o.contextDir == "" {
		return opts, errors.New("--ignorefile option requires that you specify a context dir using --contextdir") // buildah's words
	}
	var err error
	if opts.Checksum, err = copier.ParseChecksum(o.checksum); err != nil {
		return opts, err
	}
	patterns, from, err := copier.ReadIgnore(o.contextDir, o.ignoreFile)
	if err != nil {
		return opts, err
	}
	opts.Ignore, opts.IgnoreFile = patterns, from
	if opts.ContextDir == "" && len(patterns) > 0 {
		opts.ContextDir, err = os.Getwd()
	}
	return opts, err
}

// contentType is buildah's word for what was copied: one file, one
// directory, or several sources.
func contentType(sources []string, from string) string {
	if len(sources) != 1 {
		return "multi"
	}
	if fi, err := os.Stat(sources[0]); from == "" && err == nil && fi.IsDir() {
		return "dir"
	}
	return "file"
}
