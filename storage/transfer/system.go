package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hodbuild/hod/storage"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// RegistryOptions are the per-command settings for talking to registries.
type RegistryOptions struct {
	// TLSVerify is nil when the user did not choose: registries.conf decides.
	TLSVerify *bool
	CertDir   string
	Creds     string
	AuthFile  string
}

// SystemContext returns the containers/image context for the global options
// plus the per-command registry options.
func SystemContext(o storage.Options, r RegistryOptions) (*types.SystemContext, error) {
	sys := &types.SystemContext{
		SystemRegistriesConfPath:    o.RegistriesConf,
		SystemRegistriesConfDirPath: o.RegistriesConfDir,
		UserShortNameAliasConfPath:  o.ShortNameAliasConf,
		SignaturePolicyPath:         o.SignaturePolicy,
		AuthFilePath:                r.AuthFile,
		DockerCertPath:              r.CertDir,
	}
	if sys.SystemRegistriesConfPath != "" {
		var err error
		if sys.SystemRegistriesConfPath, err = v2Registries(sys.SystemRegistriesConfPath); err != nil {
			return nil, err
		}
	}
	if r.TLSVerify != nil {
		sys.DockerInsecureSkipTLSVerify = types.NewOptionalBool(!*r.TLSVerify)
		sys.OCIInsecureSkipTLSVerify = !*r.TLSVerify
		sys.DockerDaemonInsecureSkipTLSVerify = !*r.TLSVerify
	}
	if r.Creds != "" {
		auth, err := parseCreds(r.Creds)
		if err != nil {
			return nil, err
		}
		sys.DockerAuthConfig = auth
	}
	return sys, nil
}

func parseCreds(creds string) (*types.DockerAuthConfig, error) {
	user, password, ok := strings.Cut(creds, ":")
	if !ok || user == "" {
		return nil, fmt.Errorf("parse --creds for user %q: want USERNAME:PASSWORD", user)
	}
	return &types.DockerAuthConfig{Username: user, Password: password}, nil
}

// PolicyContext returns the signature policy for copies. A machine without
// any policy.json (no containers-common installed) gets the same policy
// Debian's containers-common ships, insecureAcceptAnything, instead of a
// refusal of every copy; an explicit --signature-policy must exist.
func PolicyContext(sys *types.SystemContext) (*signature.PolicyContext, error) {
	policy, err := signature.DefaultPolicy(sys)
	if errors.Is(err, fs.ErrNotExist) && sys.SignaturePolicyPath == "" {
		logrus.Debugf("no policy.json found, accepting any image: %v", err)
		policy = &signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}}
	} else if err != nil {
		return nil, fmt.Errorf("read signature policy: %w", err)
	}
	return signature.NewPolicyContext(policy)
}
