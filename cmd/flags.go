package cmd

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/storage"
	"github.com/hodbuild/hod/storage/transfer"
	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"
)

// registryFlags are the flags of every command that may talk to a registry.
type registryFlags struct {
	tlsVerify bool
	certDir   string
	creds     string
	authFile  string
	cmd       *cobra.Command
}

func addRegistryFlags(cmd *cobra.Command, r *registryFlags) {
	f := cmd.Flags()
	f.BoolVar(&r.tlsVerify, "tls-verify", true, "require HTTPS and verify certificates when talking to registries")
	f.StringVar(&r.certDir, "cert-dir", "", "directory of certificates (*.crt, *.cert, *.key) for registries")
	f.StringVar(&r.creds, "creds", "", "registry credentials as USERNAME[:PASSWORD]")
	f.StringVar(&r.authFile, "authfile", os.Getenv("REGISTRY_AUTH_FILE"), "path of the authentication file")
	r.cmd = cmd
}

// checkAuthFile refuses an --authfile (or $REGISTRY_AUTH_FILE) that does
// not exist, in buildah's words, before anything is done; login writes
// the file, so it may name a new one (logout may not: buildah refuses it,
// and it would leave an empty file behind).
func (r registryFlags) checkAuthFile() error {
	if r.authFile == "" || r.cmd == nil || r.cmd.Name() == "login" {
		return nil
	}
	if _, err := os.Stat(r.authFile); err != nil {
		return fmt.Errorf("checking authfile: %w", err)
	}
	return nil
}

func (r registryFlags) options() transfer.RegistryOptions {
	o := transfer.RegistryOptions{CertDir: r.certDir, Creds: r.creds, AuthFile: r.authFile}
	if r.cmd != nil && r.cmd.Flags().Changed("tls-verify") {
		o.TLSVerify = &r.tlsVerify
	}
	return o
}

// progress is where transfer progress goes: stderr, or nowhere with --quiet.
func progress(cmd *cobra.Command, quiet bool) io.Writer {
	// buildah reports on stderr whether or not it is a terminal
	// (containers/image draws no bars where it is not), and scripts and
	// its tests look for "Getting image source signatures" there.
	if quiet {
		return nil
	}
	return cmd.ErrOrStderr()
}

// timestamp returns --timestamp when given, else $SOURCE_DATE_EPOCH, else nil.
func timestamp(cmd *cobra.Command, seconds int64) (*time.Time, error) {
	if cmd.Flags().Changed("timestamp") {
		t := time.Unix(seconds, 0).UTC()
		return &t, nil
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("parse SOURCE_DATE_EPOCH %q: want seconds since 1970", epoch)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// writeIDFile writes an image or container ID file (--iidfile, --cidfile).
func writeIDFile(path, id string) error {
	if path == "" {
		return nil
	}
	if err := os.WriteFile(path, []byte(id), 0o644); err != nil {
		return fmt.Errorf("write ID file: %w", err)
	}
	return nil
}

// defaultFormat is --format's default: $BUILDAH_FORMAT, as buildah reads it, or oci.
func defaultFormat() string {
	return cmp.Or(os.Getenv("BUILDAH_FORMAT"), string(commit.FormatOCI))
}

// platformFlags are --platform, --arch, --os and --variant: which instance
// of a manifest list to use (and a scratch container's platform).
type platformFlags struct{ platform, arch, os, variant string }

func addPlatformFlags(cmd *cobra.Command, p *platformFlags) {
	f := cmd.Flags()
	f.StringVar(&p.platform, "platform", "", "OS/ARCH[/VARIANT] to pick from a manifest list")
	f.StringVar(&p.arch, "arch", "", "architecture to pick (and of a scratch container)")
	f.StringVar(&p.os, "os", "", "operating system to pick (and of a scratch container)")
	f.StringVar(&p.variant, "variant", "", "architecture variant to pick")
}

// choose returns sys with the chosen platform, if any.
func (p platformFlags) choose(sys *types.SystemContext) (*types.SystemContext, error) {
	var chosen storage.Platform
	if p.platform != "" {
		var err error
		if chosen, err = storage.ParsePlatform(p.platform); err != nil {
			return nil, fmt.Errorf("parse --platform: %w", err)
		}
	}
	chosen.OS, chosen.Arch, chosen.Variant = cmp.Or(p.os, chosen.OS), cmp.Or(p.arch, chosen.Arch), cmp.Or(p.variant, chosen.Variant)
	chosen = chosen.Normalize()
	if chosen == (storage.Platform{}) {
		return sys, nil
	}
	return chosen.Choose(sys), nil
}

// parseEach parses every value of a repeatable flag with parse.
func parseEach[T any](values []string, parse func(string) (T, error)) ([]T, error) {
	out := make([]T, 0, len(values))
	for _, v := range values {
		x, err := parse(v)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// addProtectionFlags adds commit's and push's --encryption-key,
// --encrypt-layer and --sign-by.
func addProtectionFlags(cmd *cobra.Command, p *transfer.Protection) {
	f := cmd.Flags()
	f.StringVar(&p.SignBy, "sign-by", "", "sign the image with this GnuPG key (fingerprint, ID or e-mail; $GNUPGHOME's keyring)")
	f.StringSliceVar(&p.EncryptionKeys, "encryption-key", nil, "encrypt layers for this ocicrypt recipient: jwe:PUBKEY.pem, pkcs7:CERT.pem or pgp:EMAIL (repeatable)")
	f.IntSliceVar(&p.EncryptLayers, "encrypt-layer", nil, "encrypt only these layers: 0 is the bottom, -1 the top (default: all)")
}

// addDecryptionFlag adds --decryption-key to commands that pull.
func addDecryptionFlag(cmd *cobra.Command, keys *[]string) {
	cmd.Flags().StringSliceVar(keys, "decryption-key", nil, "private key KEY[:PASSPHRASE] to decrypt encrypted layers with (repeatable)")
}

// pullFlags are from's and bud's --pull with its hidden spellings
// --pull-always and --pull-never, parsed as buildah 1.28 parses them: a bare
// --pull means "true" (pull if newer), and the three may not be combined.
type pullFlags struct {
	pull                  string
	pullAlways, pullNever bool
}

func addPullFlags(cmd *cobra.Command, p *pullFlags) {
	f := cmd.Flags()
	f.StringVar(&p.pull, "pull", "true", "pull the image if newer or missing (true), only if missing (false), always, or never")
	f.Lookup("pull").NoOptDefVal = "true"
	f.BoolVar(&p.pullAlways, "pull-always", false, "pull the image even if it is stored (--pull=always)")
	f.BoolVar(&p.pullNever, "pull-never", false, "never pull the image (--pull=never)")
	cobra.CheckErr(f.MarkHidden("pull-always"))
	cobra.CheckErr(f.MarkHidden("pull-never"))
}

func (p pullFlags) policy(cmd *cobra.Command) (transfer.PullPolicy, error) {
	set := 0
	for _, name := range []string{"pull", "pull-always", "pull-never"} {
		if cmd.Flags().Changed(name) {
			set++
		}
	}
	if set > 1 {
		return "", errors.New("can only set one of 'pull' or 'pull-always' or 'pull-never'")
	}
	switch {
	case p.pullAlways:
		return transfer.PullAlways, nil
	case p.pullNever:
		return transfer.PullNever, nil
	}
	return transfer.PullFlagPolicy(p.pull), nil
}
