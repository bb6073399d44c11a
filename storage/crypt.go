package storage

import (
	"errors"
	"fmt"

	"github.com/containers/ocicrypt/config"
	"github.com/containers/ocicrypt/helpers"
	"go.podman.io/image/v5/copy"
)

// Encryption is commit's and push's --encryption-key and --encrypt-layer:
// ocicrypt recipients (jwe:PUBKEY.pem, pkcs7:CERT.pem, pgp:EMAIL) and the
// layers to encrypt (indexes, negative from the top; none: all of them).
type Encryption struct {
	Keys   []string
	Layers []int
}

// ErrEncryptLocal is returned when an encrypted image would be written to
// local storage, which can only hold layers it can unpack.
var ErrEncryptLocal = errors.New("--encryption-key needs a destination outside local storage (oci:, oci-archive:, docker://, dir:)")

func (e Encryption) apply(opts *copy.Options) error {
	if len(e.Keys) == 0 {
		if len(e.Layers) > 0 {
			return errors.New("--encrypt-layer needs --encryption-key")
		}
		return nil
	}
	cc, err := helpers.CreateCryptoConfig(e.Keys, nil)
	if err != nil {
		return fmt.Errorf("parse --encryption-key %q: %w", e.Keys, err)
	}
	opts.OciEncryptConfig = cc.EncryptConfig
	layers := append([]int{}, e.Layers...) // empty: containers/image encrypts all
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
