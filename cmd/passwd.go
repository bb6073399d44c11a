package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
)

// NewPasswd returns buildah's hidden "passwd": a bcrypt hash of a password,
// the form htpasswd files (a test registry's) hold.
func NewPasswd() *cobra.Command {
	return &cobra.Command{
		Use:     "passwd PASSWORD",
		Short:   "Generate a bcrypt password hash (for htpasswd files)",
		Example: `  echo "user:$(hod passwd secret)" > htpasswd`,
		Hidden:  true,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := bcrypt.GenerateFromPassword([]byte(args[0]), bcrypt.DefaultCost)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(hash))
			return nil
		},
	}
}
