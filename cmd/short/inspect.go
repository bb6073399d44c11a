package short

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/inspect"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage/catalog"
	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// NewInspect returns "hod inspect".
func NewInspect(env Env) *cobra.Command {
	var kind, format string
	cmd := &cobra.Command{
		Use:   "inspect [flags] CONTAINER|IMAGE",
		Short: "Show a working container's or an image's configuration as JSON",
		Example: `  hod inspect "$ctr"
  hod inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' localhost/app:1`,
		Args: Args(1, 1, "container or image name must be specified", TooMany),
		RunE: func(cmd *cobra.Command, args []string) error {
			isolation, err := policy.EnvIsolation()
			if err != nil {
				return err
			}
			var info *inspect.Builder
			if kind != "image" {
				info, err = inspectContainer(cmd.Context(), env, args[0], isolation)
				if kind == "container" && errors.Is(err, state.ErrNotFound) {
					return fmt.Errorf("reading build container: %w", state.ErrNotFound) // buildah's words
				}
				if err != nil && !errors.Is(err, state.ErrNotFound) {
					return err
				}
			}
			if info == nil {
				full := env.Full()
				if full == nil {
					return catalog.ErrHandOver
				}
				if info, err = full.InspectImage(cmd.Context(), args[0], isolation); err != nil {
					return fmt.Errorf("importing settings: %w", err)
				}
			}
			return PrintOne(cmd.OutOrStdout(), info, format)
		},
	}
	cmd.Flags().StringVarP(&kind, "type", "t", "", "what to inspect: container or image (default: container, else image)")
	cmd.Flags().StringVarP(&format, "format", "f", "", "print with a Go template instead of JSON")
	return cmd
}

// inspectContainer is the view of the working container nameOrID names.
func inspectContainer(ctx context.Context, env Env, nameOrID string, isolation policy.Isolation) (*inspect.Builder, error) {
	cat, err := env.Catalog()
	if err != nil {
		return nil, err
	}
	st, sc, err := catalog.OpenWorking(cat, nameOrID)
	if err != nil {
		return nil, err
	}
	facts := inspect.Facts{Created: sc.Created}
	// from --isolation and the CNI paths are the container's, as buildah
	// keeps them.
	for _, d := range st.RunDefaults {
		flag, v, _ := strings.Cut(d, "=")
		switch flag {
		case "--isolation":
			if iso, err := policy.ParseIsolation(v); err == nil {
				isolation = iso
			}
		case "--cni-config-dir":
			facts.CNIConfigDir = v
		case "--cni-plugin-path":
			facts.CNIPluginPath = v
		}
	}
	facts.Isolation = isolation
	if facts.MountPoint, err = mountPoint(cat, sc.LayerID); err != nil {
		return nil, err
	}
	if st.FromImageID != "" {
		if facts.Base, err = baseImage(ctx, env, cat, st.FromImageID); err != nil {
			return nil, err
		}
	}
	return inspect.Container(st, facts), nil
}

// mountPoint is where the layer is mounted, if it is.
func mountPoint(cat catalog.Reader, layer string) (string, error) {
	mounts, err := cat.Mounts()
	if err != nil {
		return "", err
	}
	for _, m := range mounts {
		if m.ID == layer && m.Count > 0 {
			return m.Path, nil
		}
	}
	return "", nil
}

// baseImage reads a container's base image: its first name, its manifest
// and the configuration the manifest names, as containers/image reads
// them from the store. Others (a schema 1 manifest, say) are the full
// binary's.
func baseImage(ctx context.Context, env Env, cat catalog.Reader, id string) (*inspect.Base, error) {
	b, err := catalogBase(cat, id)
	if err == nil {
		return b, nil
	}
	full := env.Full()
	if full == nil {
		return nil, err
	}
	return full.Base(ctx, id)
}

func catalogBase(cat catalog.Reader, id string) (*inspect.Base, error) {
	images, err := cat.Images()
	if err != nil {
		return nil, err
	}
	var b inspect.Base
	for _, img := range images {
		if img.ID == id && len(img.Names) > 0 {
			b.Name = img.Names[0]
		}
	}
	if b.Manifest, err = cat.ImageBigData(id, "manifest"); err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", id, catalog.ErrHandOver)
	}
	var m struct {
		SchemaVersion int `json:"schemaVersion"`
		Config        struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	// The digest names a file in the store: only a valid one is read.
	if json.Unmarshal(b.Manifest, &m) != nil || m.SchemaVersion != 2 || !digest.DigestRegexpAnchored.MatchString(m.Config.Digest) {
		return nil, fmt.Errorf("manifest of %s: %w", id, catalog.ErrHandOver)
	}
	if b.Config, err = cat.ImageBigData(id, m.Config.Digest); err != nil {
		return nil, fmt.Errorf("read configuration of %s: %w", id, catalog.ErrHandOver)
	}
	return &b, nil
}

// PrintOne prints v as JSON, or through the --format template.
func PrintOne(out io.Writer, v any, format string) error {
	if format == "" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "    ")
		return enc.Encode(v)
	}
	t, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return fmt.Errorf("parse --format: %w", err)
	}
	if err := t.Execute(out, v); err != nil {
		return err
	}
	// As buildah: a newline ends the output on a terminal only, so
	// $(hod inspect --format …) and pipes see exactly the template's text.
	// The front writes through a buffer: what counts is where it goes.
	if term.IsTerminal(int(os.Stdout.Fd())) {
		fmt.Fprintln(out)
	}
	return nil
}
