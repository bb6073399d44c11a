package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/hodbuild/hod/cmd/short"
	"github.com/hodbuild/hod/storage/transfer"

	"github.com/spf13/cobra"
)

// NewLogin returns "hod login".
func NewLogin(g *globals) *cobra.Command {
	var (
		reg                     registryFlags
		user, password          string
		passwordStdin, getLogin bool
	)
	cmd := &cobra.Command{
		Use:   "login [flags] REGISTRY",
		Short: "Log in to a registry and store the credentials",
		Long: "Check USERNAME and password against REGISTRY and store them in the auth file podman and skopeo\n" +
			"use (--authfile, $REGISTRY_AUTH_FILE, or ${XDG_RUNTIME_DIR}/containers/auth.json; mode 0600).",
		Example: `  hod login --username u --password-stdin registry.local:5000 < pw
  hod login --get-login registry.local:5000`,
		Args: short.Args(1, 1, "please specify a registry to login to", "too many arguments, login takes only 1 argument"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			if getLogin {
				name, err := transfer.LoginUser(sys, args[0])
				if err == nil {
					fmt.Fprintln(cmd.OutOrStdout(), name)
				}
				return err
			}
			if passwordStdin {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read password from stdin: %w", err)
				}
				password = strings.TrimRight(line, "\r\n")
			}
			if user == "" || password == "" {
				return errors.New("log in needs --username and --password or --password-stdin")
			}
			if err := transfer.Login(cmd.Context(), sys, args[0], user, password); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Login Succeeded!")
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolP("verbose", "v", false, "accepted for buildah compatibility")
	f.StringVarP(&user, "username", "u", "", "user name")
	f.StringVarP(&password, "password", "p", "", "password (prefer --password-stdin)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin")
	f.BoolVar(&getLogin, "get-login", false, "print the user name stored for REGISTRY")
	cmd.MarkFlagsMutuallyExclusive("password", "password-stdin")
	addRegistryFlags(cmd, &reg)
	return cmd
}

// NewLogout returns "hod logout".
func NewLogout(g *globals) *cobra.Command {
	var (
		reg registryFlags
		all bool
	)
	cmd := &cobra.Command{
		Use:   "logout [flags] REGISTRY|--all",
		Short: "Remove stored registry credentials",
		Example: `  hod logout registry.local:5000
  hod logout --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case all && len(args) > 0:
				return errors.New("--all takes no arguments")
			case len(args) > 1:
				return errors.New("too many arguments, logout takes at most 1 argument")
			case !all && len(args) == 0:
				return errors.New("registry must be given")
			}
			_, sys, err := g.storeAndSys(reg)
			if err != nil {
				return err
			}
			registry := ""
			if !all {
				registry = args[0]
			}
			if err := transfer.Logout(sys, registry); err != nil {
				return err
			}
			if all {
				fmt.Fprintln(cmd.OutOrStdout(), "Removed login credentials for all registries")
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), "Removed login credentials for", registry)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove the credentials of every registry")
	addRegistryFlags(cmd, &reg)
	return cmd
}
