package bud

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/mount"
)

// SSHSockets parses --ssh ID[=SOCKET]; only agent sockets are forwarded
// (key files would have to be loaded into an agent first).
func SSHSockets(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range list {
		id, sock, _ := strings.Cut(spec, "=")
		sock = cmp.Or(sock, os.Getenv("SSH_AUTH_SOCK"))
		if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("parse --ssh %q: %q is not an SSH agent socket", spec, sock)
		}
		out[cmp.Or(id, "default")] = sock
	}
	return out, nil
}

// NamedContexts parses --build-context values. A URL's tar archive is
// fetched and unpacked into a temporary directory, listed in temps.
func NamedContexts(ctx context.Context, specs []string) (_ map[string]NamedContext, temps []string, err error) {
	out := map[string]NamedContext{}
	for _, spec := range specs {
		if name, url, ok := strings.Cut(spec, "="); ok && (strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://")) {
			dir, sub, err := FetchContext(ctx, url, nil)
			if dir != "" {
				temps = append(temps, dir)
			}
			if err != nil {
				return nil, temps, fmt.Errorf("parse --build-context %q: %w", spec, err)
			}
			spec = name + "=" + filepath.Join(dir, sub)
		}
		name, nc, err := ParseNamedContext(spec)
		if err != nil {
			return nil, temps, err
		}
		out[name] = nc
	}
	return out, temps, nil
}

// BuildArgs reads --build-arg-file files and --build-arg values into the
// build's arguments, later ones winning, as buildah does.
func BuildArgs(files, args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read --build-arg-file: %w", err)
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			if line := strings.TrimSpace(s.Text()); line != "" && !strings.HasPrefix(line, "#") {
				args = append([]string{line}, args...)
			}
		}
		f.Close()
	}
	for _, kv := range args {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			// --build-arg KEY takes the value from the environment; as in
			// buildah, a KEY the environment lacks unsets it.
			if v, ok = os.LookupEnv(k); !ok {
				delete(out, k)
				continue
			}
		}
		if k == "" {
			return nil, fmt.Errorf("parse --build-arg %q: want KEY=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}

// ParseSecrets parses --secret id=ID,src=FILE|env=VAR; env secrets are written
// to private temporary files (returned for removal) that the RUN mounts.
func ParseSecrets(list []string) (out map[string]string, temps []string, err error) {
	out = map[string]string{}
	for _, spec := range list {
		kv, _, err := mount.ParseFields(spec)
		if err != nil {
			return nil, temps, fmt.Errorf("parse --secret %w", err)
		}
		id, src := kv["id"], cmp.Or(kv["src"], kv["source"])
		if id == "" {
			return nil, temps, fmt.Errorf("parse --secret %q: want id=ID,src=FILE or id=ID,env=VAR", spec)
		}
		env := kv["env"]
		if kv["type"] == "env" { // buildah's id=ID,src=VAR,type=env
			env = cmp.Or(env, src)
		}
		if env != "" {
			f, err := os.CreateTemp("", "hod-secret-")
			if err != nil {
				return nil, temps, err
			}
			temps = append(temps, f.Name())
			_, err = f.WriteString(os.Getenv(env))
			f.Close()
			if err != nil {
				return nil, temps, err
			}
			src = f.Name()
		}
		if _, err := os.Stat(src); err != nil {
			return nil, temps, fmt.Errorf("parse --secret %q: %w", spec, err)
		}
		out[id] = src
	}
	return out, temps, nil
}
