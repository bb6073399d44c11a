package transfer

import (
	"context"
	"errors"
	"fmt"

	"github.com/containers/ocicrypt/config"
	"github.com/containers/ocicrypt/helpers"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Protection is what commit and push add to an image they write:
// --encryption-key's ocicrypt recipients (jwe:PUBKEY.pem, pkcs7:CERT.pem,
// pgp:EMAIL), --encrypt-layer's layers (indexes, negative from the top;
// none: all of them), and --sign-by's GnuPG key, which signs the manifest.
type Protection struct {
	EncryptionKeys []string
	EncryptLayers  []int
	SignBy         string
}

// ErrEncryptLocal is returned when an encrypted image would be written to
// local storage, which can only hold layers it can unpack.
var ErrEncryptLocal = errors.New("--encryption-key needs a destination outside local storage (oci:, oci-archive:, docker://, dir:)")

func (p Protection) apply(opts *copy.Options) error {
	opts.SignBy = p.SignBy
	if len(p.EncryptionKeys) == 0 {
		if len(p.EncryptLayers) > 0 {
			return errors.New("--encrypt-layer needs --encryption-key")
		}
		return nil
	}
	cc, err := helpers.CreateCryptoConfig(p.EncryptionKeys, nil)
	if err != nil {
		return fmt.Errorf("parse --encryption-key %q: %w", p.EncryptionKeys, err)
	}
	opts.OciEncryptConfig = cc.EncryptConfig
	layers := append([]int{}, p.EncryptLayers...) // empty: containers/image encrypts all
	opts.OciEncryptLayers = &layers
	return nil
}

// decryptConfig reads --decryption-key KEY[:PASSPHRASE] values. Without
// keys it is an empty configuration, not nil: an encrypted layer then fails
// with "missing private key" instead of being stored undecrypted.
func decryptConfig(keys []string) (*config.DecryptConfig, error) {
	cc, err := helpers.CreateDecryptCryptoConfig(keys, nil)
	if err != nil {
		return nil, fmt.Errorf("parse --decryption-key: %w", err)
	}
	return cc.DecryptConfig, nil
}

// Sign adds a signature by key (a GnuPG key) to the local image id, for
// its name: containers/image signs while copying, so the image is copied
// onto itself, which writes only the signature.
func Sign(ctx context.Context, store cstorage.Store, sys *types.SystemContext, id, name, key string) error {
	src, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return err
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return fmt.Errorf("sign %s: %w", name, err)
	}
	dest, err := istorage.Transport.NewStoreReference(store, reference.TagNameOnly(named), id)
	if err != nil {
		return err
	}
	if _, err := copyImage(ctx, store, sys, dest, src, &copy.Options{SignBy: key}, nil); err != nil {
		return fmt.Errorf("sign %s with %s: %w", name, key, err)
	}
	return nil
}
