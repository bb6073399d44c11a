package transfer

import (
	"context"
	"errors"
	"fmt"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

// Login checks the credentials against the registry and stores them in the
// auth file podman and skopeo use (sys.AuthFilePath, else
// ${XDG_RUNTIME_DIR}/containers/auth.json), mode 0600.
func Login(ctx context.Context, sys *types.SystemContext, registry, user, password string) error {
	if err := docker.CheckAuth(ctx, sys, user, password, registry); err != nil {
		return fmt.Errorf("log in to %s: %w", registry, err)
	}
	if _, err := config.SetCredentials(sys, registry, user, password); err != nil {
		return fmt.Errorf("store credentials for %s: %w", registry, err)
	}
	return nil
}

// LoginUser returns the user name stored for registry (auth.json, with
// Docker's config.json as a fallback), or an error when there is none.
func LoginUser(sys *types.SystemContext, registry string) (string, error) {
	auth, err := config.GetCredentials(sys, registry)
	if err != nil {
		return "", err
	}
	if auth.Username == "" {
		return "", notLoggedInto(registry)
	}
	return auth.Username, nil
}

// Logout removes the stored credentials of registry, or of every registry
// when registry is "".
func Logout(sys *types.SystemContext, registry string) error {
	if registry == "" {
		return config.RemoveAllAuthentication(sys)
	}
	err := config.RemoveAuthentication(sys, registry)
	if errors.Is(err, config.ErrNotLoggedIn) {
		return notLoggedInto(registry)
	}
	if err != nil {
		return fmt.Errorf("log out of %s: %w", registry, err)
	}
	return nil
}

// notLoggedInto is buildah's words for a registry with no credentials.
func notLoggedInto(registry string) error { return fmt.Errorf("not logged into %s", registry) }
