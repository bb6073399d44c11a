package transfer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/containers/ocicrypt/config"
	"github.com/google/uuid"
	"github.com/hodbuild/hod/internal/failpoint"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/manifest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	ociarchive "go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/pkg/shortnames"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// PullPolicy says when Pull copies a registry image. The zero value is
// PullMissing.
type PullPolicy string

// Pull policies, as buildah spells them.
const (
	PullMissing PullPolicy = "missing"
	PullAlways  PullPolicy = "always"
	PullNever   PullPolicy = "never"
	// PullNewer pulls a registry image that is missing or whose manifest
	// digest in the registry differs from the stored one; when the registry
	// cannot be asked, the stored image is used (buildah's "ifnewer").
	PullNewer PullPolicy = "ifnewer"
)

// ParsePullPolicy parses "pull --policy", buildah's policy map: missing,
// always, never, ifnewer.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch p := PullPolicy(s); p {
	case PullMissing, PullAlways, PullNever, PullNewer:
		return p, nil
	}
	return "", fmt.Errorf("unsupported pull policy %q", s) // buildah's words
}

// PullFlagPolicy reads the --pull value of from and bud as buildah 1.28
// does: "true" (the value of a bare --pull, and the default) is ifnewer,
// "always" and "never" are themselves (any case), and anything else,
// "false" included, is missing. buildah refuses no value here, so hod
// does not either.
func PullFlagPolicy(s string) PullPolicy {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return PullNewer
	case "always":
		return PullAlways
	case "never":
		return PullNever
	}
	return PullMissing
}

// PullOptions are the settings of Pull. The zero value pulls only missing
// images and reports no progress.
type PullOptions struct {
	Policy PullPolicy
	// Retry is how many times a failed copy is tried again, RetryDelay
	// apart (buildah's --retry, --retry-delay).
	Retry      int
	RetryDelay time.Duration
	// RemoveSignatures copies the image without its signatures.
	RemoveSignatures bool
	// DecryptionKeys decrypt encrypted layers (--decryption-key KEY[:PASSPHRASE]).
	DecryptionKeys []string
	// Report receives progress lines; nil is quiet.
	Report  io.Writer
	decrypt *config.DecryptConfig
}

// Pull returns the local image for name, copying it into the store first
// when name is another transport's reference or a registry image that is
// missing (or always, by policy).
func Pull(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, opts PullOptions) (*cstorage.Image, error) {
	var err error
	if opts.decrypt, err = decryptConfig(opts.DecryptionKeys); err != nil {
		return nil, err
	}
	// Only a registry can fail and then work: a path's error is final.
	retries := opts.Retry
	if storage.HasTransport(name) && !strings.HasPrefix(name, "docker://") {
		retries = 0
	}
	var img *cstorage.Image
	err = withRetries(ctx, "pull "+name, retries, opts.RetryDelay, func() (err error) {
		img, err = pull(ctx, store, sys, name, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	return manifest.Resolve(ctx, store, sys, img)
}

func pull(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, opts PullOptions) (*cstorage.Image, error) {
	if strings.HasPrefix(name, "docker://") {
		// A registry reference is pulled by policy like a name, but is
		// not subject to short-name resolution (docker://fedora is
		// docker.io/library/fedora:latest).
		ref, err := alltransports.ParseImageName(name)
		if err != nil {
			return nil, fmt.Errorf("parse image reference %q: %w", name, err)
		}
		name = ref.DockerReference().String()
	}
	if storage.HasTransport(name) {
		src, err := storage.ParseReference(store, name)
		if err != nil {
			return nil, err
		}
		if storage.IsLocal(store, src) {
			return istorage.Transport.GetStoreImage(store, src)
		}
		return copyIn(ctx, store, sys, src, opts)
	}
	// As buildah: a platform asked for must be the stored image's (it is
	// pulled again otherwise), and unless the policy is always or never
	// the registry is asked whether it has a newer one.
	custom := sys != nil && (sys.OSChoice != "" || sys.ArchitectureChoice != "" || sys.VariantChoice != "")
	if custom && opts.Policy != PullAlways && opts.Policy != PullNever {
		opts.Policy = PullNewer
	}
	img, found, err := storage.LookupNamed(store, name)
	if err == nil && custom && !platformMatches(ctx, store, sys, img) {
		img, err = nil, fmt.Errorf("%s: %w", name, storage.ErrImageNotFound)
	}
	switch {
	case opts.Policy == PullNever, err == nil && (opts.Policy == PullMissing || opts.Policy == ""):
		return img, err
	case err == nil && strings.HasPrefix(img.ID, strings.TrimPrefix(name, "sha256:")):
		// An image named by its ID cannot be looked up anywhere else.
		if opts.Policy == PullAlways {
			return nil, fmt.Errorf("pull policy is always but image has been referred to by ID (%s)", name)
		}
		return img, nil
	case err == nil && opts.Policy == PullNewer:
		return pullIfNewer(ctx, store, sys, img, opts)
	case err == nil && found != img.ID:
		// A stored short name is pulled from where it points.
		name = found
	}
	return pullRegistry(ctx, store, sys, name, opts)
}

// platformMatches says whether a stored image is of the platform sys asks
// for (its OS, architecture and, when asked, variant).
func platformMatches(ctx context.Context, store cstorage.Store, sys *types.SystemContext, img *cstorage.Image) bool {
	platforms, err := manifest.Platforms(ctx, store, nil, img.ID)
	if err != nil || len(platforms) != 1 {
		return true // a list, or unreadable: leave it to the copy
	}
	p, err := storage.ParsePlatform(platforms[0])
	if err != nil {
		return true
	}
	want := storage.Platform{}.Completed(sys)
	return p.OS == want.OS && p.Arch == want.Arch && (want.Variant == "" || p.Variant == want.Variant)
}

// pullIfNewer pulls the registry image that the stored img is named after
// when the registry's manifest digest differs from every digest img was
// stored with. A registry that cannot be asked (none is reachable, the name
// is local only) leaves img in use, as buildah's "ifnewer" does.
func pullIfNewer(ctx context.Context, store cstorage.Store, sys *types.SystemContext, img *cstorage.Image, opts PullOptions) (*cstorage.Image, error) {
	for _, name := range img.Names {
		named, err := reference.ParseNormalizedNamed(name)
		if err != nil {
			continue
		}
		src, err := docker.NewReference(named)
		if err != nil {
			continue
		}
		remote, err := docker.GetDigest(ctx, sys, src)
		if err != nil {
			logrus.Debugf("pull policy ifnewer: %s: %v; using the stored image", name, err)
			continue
		}
		if remote == img.Digest || slices.Contains(img.Digests, remote) {
			return img, nil
		}
		if opts.Report != nil {
			fmt.Fprintf(opts.Report, "Trying to pull %s...\n", named)
		}
		return copyIn(ctx, store, sys, src, opts)
	}
	return img, nil
}

// pullRegistry pulls a registry image. A short name is resolved by
// registries.conf (aliases, unqualified-search-registries, short-name
// mode) through containers/image, which refuses ambiguity without a TTY.
func pullRegistry(ctx context.Context, store cstorage.Store, sys *types.SystemContext, name string, opts PullOptions) (*cstorage.Image, error) {
	resolved, err := shortnames.Resolve(sys, name)
	if err != nil {
		return nil, fmt.Errorf("pull %q: %w", name, err)
	}
	var errs []error
	for _, candidate := range resolved.PullCandidates {
		src, err := docker.NewReference(candidate.Value)
		if err != nil {
			return nil, fmt.Errorf("pull %q: %w", name, err)
		}
		if opts.Report != nil {
			fmt.Fprintf(opts.Report, "Trying to pull %s...\n", candidate.Value)
		}
		img, err := copyIn(ctx, store, sys, src, opts)
		if err == nil {
			if err := candidate.Record(); err != nil {
				logrus.Debugf("record short-name alias: %v", err)
			}
			return img, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("pull %q: no registries to search (registries.conf)", name)
	}
	return nil, resolved.FormatPullErrors(errs)
}

// copyIn copies src into the store. Sources without a registry name (an OCI
// layout, a dir:) are named as buildah names them, "localhost" + their path
// (and tag); where that is no valid name they are stored by ID only:
// containers/image needs a name for the copy, so a throw-away one is used
// and removed.
func copyIn(ctx context.Context, store cstorage.Store, sys *types.SystemContext, src types.ImageReference, opts PullOptions) (*cstorage.Image, error) {
	names := storeNames(sys, src)
	var named reference.Named
	temporary := len(names) == 0
	if !temporary {
		named = names[0]
	} else {
		temp, err := reference.ParseNormalizedNamed("localhost/hod-pull-" + uuid.NewString())
		if err != nil {
			return nil, err
		}
		named = reference.TagNameOnly(temp)
	}
	dest, err := istorage.Transport.NewStoreReference(store, named, "")
	if err != nil {
		return nil, err
	}
	j, err := storage.BeginWrite(store)
	if err != nil {
		return nil, err
	}
	defer j.Done()
	if _, err := copyImage(ctx, store, sys, dest, src, &copy.Options{ReportWriter: opts.Report, RemoveSignatures: opts.RemoveSignatures, OciDecryptConfig: opts.decrypt}, j); err != nil {
		return nil, fmt.Errorf("pull %s: %w", storage.RefName(src), err)
	}
	img, err := istorage.Transport.GetStoreImage(store, dest)
	if err != nil {
		return nil, err
	}
	var more []string
	for _, n := range names[min(1, len(names)):] {
		more = append(more, n.String())
	}
	if len(more) > 0 {
		if err := store.AddNames(img.ID, more); err != nil {
			return nil, err
		}
	}
	if temporary || len(more) > 0 {
		if temporary {
			if err := store.RemoveNames(img.ID, []string{named.String()}); err != nil {
				return nil, err
			}
		}
		if img, err = store.Image(img.ID); err != nil {
			return nil, err
		}
	}
	logrus.Debugf("pulled %s as %s", storage.RefName(src), img.ID)
	return img, nil
}

// Copy copies an image between two references with the signature policy
// and progress reporting every hod command uses, encrypting and signing it
// as p says.
func Copy(ctx context.Context, store cstorage.Store, sys *types.SystemContext, dest, src types.ImageReference, report io.Writer, p Protection) error {
	opts := &copy.Options{ReportWriter: report}
	if err := p.apply(opts); err != nil {
		return err
	}
	_, err := copyImage(ctx, store, sys, dest, src, opts, nil)
	return err
}

// copyImage runs containers/image's copy under hod's signature policy and
// returns the manifest written. A journal marks a copy into the store (a
// pull): what the copy creates is noted in it first, and a registry
// image's layers are fetched first (fetchLayers). Without one, a local
// image's layers bound for a registry are sent first (sendLayers).
func copyImage(ctx context.Context, store cstorage.Store, sys *types.SystemContext, dest, src types.ImageReference, opts *copy.Options, j *storage.Journal) ([]byte, error) {
	for _, ref := range []types.ImageReference{src, dest} {
		insecure, err := checkRegistrySources(ref)
		if err != nil {
			return nil, err
		}
		if insecure {
			relaxed := *cmp.Or(sys, &types.SystemContext{})
			relaxed.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
			sys = &relaxed
		}
	}
	policy, err := PolicyContext(sys)
	if err != nil {
		return nil, err
	}
	defer policy.Destroy()
	staging, release, err := newStaging(store.GraphRoot())
	if err != nil {
		return nil, err
	}
	defer release()
	opts.SourceCtx = staging(cmp.Or(opts.SourceCtx, sys))
	opts.DestinationCtx = staging(cmp.Or(opts.DestinationCtx, sys))
	var fetched []string
	if j != nil {
		// The journal notes what the copy creates, from the source's
		// configuration, which the fetch reads anyway.
		var noted bool
		fetched, noted = fetchLayers(ctx, store, opts.SourceCtx, policy, src, j, opts.ReportWriter)
		failpoint.Hit("pull-after-fetch")
		if !noted {
			j.Source(ctx, opts.SourceCtx, src)
		}
	} else {
		// The send may name its blobs in the copy's report: on this
		// copy's options only, not on a retry's.
		sent := *opts
		src, opts = sendLayers(ctx, store, policy, dest, src, &sent), &sent
	}
	var raw []byte
	err = storage.RetryStagingRace("copy to "+storage.RefName(dest), func() (err error) {
		raw, err = copy.Image(ctx, policy, dest, src, opts)
		return err
	})
	if err != nil {
		dropLayers(store, fetched)
	}
	return raw, err
}

// RepositoryTags lists name's repository's tags as pullable references
// ("pull --all-tags").
func RepositoryTags(ctx context.Context, sys *types.SystemContext, name string) ([]string, error) {
	if storage.HasTransport(name) && !strings.HasPrefix(name, "docker://") {
		transport, _, _ := strings.Cut(name, ":")
		return nil, fmt.Errorf("pulling all tags is not supported for %s transport", transport) // buildah's words
	}
	named, err := reference.ParseNormalizedNamed(strings.TrimPrefix(name, "docker://"))
	if err != nil {
		return nil, fmt.Errorf("parse repository %q: %w", name, err)
	}
	if _, tagged := named.(reference.Tagged); tagged {
		return nil, fmt.Errorf("--all-tags takes a repository without a tag, not %q", name)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, err
	}
	tags, err := docker.GetRepositoryTags(ctx, sys, ref)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", named.Name(), err)
	}
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = "docker://" + named.Name() + ":" + t
	}
	return names, nil
}

// storeNames are the names an image copied in from src is stored under,
// as buildah 1.28 (libimage) names them: a registry image by its
// reference; an OCI layout "localhost/" + its path (the tag in the
// reference is not kept); an OCI archive by its ref.name annotation
// (a short name under localhost/); a Docker archive by the tags it
// carries; anything else, dir: included, by no name at all.
func storeNames(sys *types.SystemContext, src types.ImageReference) []reference.Named {
	within := src.StringWithinTransport()
	switch src.Transport().Name() {
	case "oci":
		path, _, _ := strings.Cut(within, ":")
		return parsedNames("localhost/" + strings.TrimLeft(path, "/"))
	case "oci-archive":
		desc, err := ociarchive.LoadManifestDescriptorWithContext(sys, src)
		if err != nil {
			return nil
		}
		name := desc.Annotations[imgspecv1.AnnotationRefName]
		if name == "" {
			return nil
		}
		if shortnames.IsShortName(name) {
			name = "localhost/" + name
		}
		return parsedNames(name)
	case "docker-archive":
		if named := src.DockerReference(); named != nil {
			return []reference.Named{named}
		}
		return archiveNames(sys, src)
	}
	if named := src.DockerReference(); named != nil {
		return []reference.Named{named}
	}
	return nil
}

func parsedNames(name string) []reference.Named {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil
	}
	return []reference.Named{reference.TagNameOnly(named)}
}

// archiveNames are the tags a Docker archive's one image carries.
func archiveNames(sys *types.SystemContext, src types.ImageReference) []reference.Named {
	r, _, err := dockerarchive.NewReaderForReference(sys, src)
	if err != nil {
		return nil
	}
	defer r.Close()
	images, err := r.List()
	if err != nil || len(images) != 1 {
		return nil
	}
	var names []reference.Named
	for _, ref := range images[0] {
		if named := ref.DockerReference(); named != nil {
			names = append(names, named)
		}
	}
	return names
}
