// Package short holds the short calls, images, containers, inspect and
// config, which both binaries serve with the same code: the front
// (cmd/hod) links no container library and starts in under 2 ms; the full
// binary (cmd/hod-full) serves everything else, and these calls too when
// the front hands them over. Both read the store through the catalog.
package short

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hodbuild/hod/inspect"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage/catalog"
)

// Env is what the short calls need of the binary serving them.
type Env interface {
	// Catalog is the store's records: read from its files in the front,
	// through containers/storage in the full binary, whose store open
	// cleans up after killed hods first.
	Catalog() (catalog.Reader, error)
	// Full is what needs the container libraries; nil in the front, whose
	// calls return catalog.ErrHandOver there instead.
	Full() Full
}

// Full is the full binary's part of the short calls.
type Full interface {
	// Candidates are the names an image name stands for (short names,
	// docker.io, :latest).
	Candidates(name string) []string
	// ImageSize is containers/storage's size of an image, which computes
	// what the image's records lack.
	ImageSize(id string) (int64, error)
	// InspectImage is the view of a stored image.
	InspectImage(ctx context.Context, name string, isolation policy.Isolation) (*inspect.Builder, error)
	// Base reads a base image the catalog cannot read.
	Base(ctx context.Context, id string) (*inspect.Base, error)
}

// Commands are the short calls, for a binary's root command.
func Commands(env Env) []*cobra.Command {
	return []*cobra.Command{OptionsFirst(NewImages(env)), OptionsFirst(NewConfig(env)), NewContainers(env), OptionsFirst(NewInspect(env))}
}
