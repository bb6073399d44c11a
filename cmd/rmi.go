package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/spf13/cobra"
)

// NewRmi returns "hod rmi".
func NewRmi(g *globals) *cobra.Command {
	var all, prune, force bool
	cmd := &cobra.Command{
		Use:   "rmi [flags] IMAGE...",
		Short: "Remove images, or untag them when they have several names",
		Example: `  hod rmi localhost/app:1
  hod rmi --prune
  hod rmi --all --force`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case all && prune:
				return errors.New("when using the --all switch, you may not use --prune switch")
			case prune && len(args) > 0:
				return errors.New("when using the --prune switch, you may not pass any images names or IDs")
			case !prune:
				if err := nameOrAll(args, all, "image name or ID must be specified", "when using the --all switch, you may not pass any images names or IDs"); err != nil {
					return err
				}
			}
			store, err := g.Store()
			if err != nil {
				return err
			}
			names := args
			if all || prune {
				if names, err = storage.Removable(store, all); err != nil {
					return err
				}
			}
			return removeEach(cmd.OutOrStdout(), names, func(name string) ([]string, error) {
				return storage.Remove(store, name, force)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "remove all images")
	f.BoolVarP(&prune, "prune", "p", false, "remove unnamed images no container uses")
	f.BoolVarP(&force, "force", "f", false, "also remove containers using the images")
	return cmd
}

// NewTag returns "hod tag".
func NewTag(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "tag IMAGE NAME...",
		Short:   "Add names to a local image",
		Example: `  hod tag localhost/app:1 localhost/app:latest registry.example/app:1`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := g.Store()
			if err != nil {
				return err
			}
			return storage.Tag(store, args[0], args[1:]...)
		},
	}
}

// removeEach removes every name as buildah's rmi and manifest rm do: each
// is tried, what goes is printed, and the failures are reported together.
func removeEach(out io.Writer, names []string, remove func(name string) ([]string, error)) error {
	var failed errorList
	for _, name := range names {
		lines, err := remove(name)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		for _, l := range lines {
			fmt.Fprintln(out, l)
		}
	}
	if len(failed) > 0 {
		return failed
	}
	return nil
}

// errorList words several failures as buildah's rmi does (the format of
// hashicorp/go-multierror).
type errorList []error

func (l errorList) Error() string {
	points := make([]string, len(l))
	for i, err := range l {
		points[i] = "* " + err.Error()
	}
	noun := "errors"
	if len(l) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d %s occurred:\n\t%s\n\n", len(l), noun, strings.Join(points, "\n\t"))
}

func (l errorList) Unwrap() []error { return l }
