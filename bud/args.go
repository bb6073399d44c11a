package bud

import (
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// expand expands $VAR and ${VAR} in a word with ARG values, overridden by
// the container's ENV (Docker's precedence).
func expand(word string, args map[string]string, env []string) (string, error) {
	kv := make([]string, 0, len(args)+len(env))
	for _, k := range keys(args) {
		kv = append(kv, k+"="+args[k])
	}
	kv = append(kv, env...)
	result, _, err := shell.NewLex('\\').ProcessWord(word, shell.EnvsFromSlice(kv))
	return result, err
}
