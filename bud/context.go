package bud

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/hodbuild/hod/run"
	"go.podman.io/storage/pkg/archive"
)

// IsRemoteContext says whether a build context (bud's CONTEXT argument)
// is fetched rather than read in place, as buildah decides it: an http(s)
// URL, a git:// URL, a github.com/OWNER/REPO path, or "-" (stdin).
func IsRemoteContext(s string) bool {
	for _, p := range []string{"http://", "https://", "git://", "github.com/"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return s == "-"
}

// FetchContext fetches a remote build context into a new temporary
// directory, dir, which the caller removes; the build's context is dir's
// subdirectory sub. As buildah: a git:// URL, or one whose path ends in
// ".git", is cloned (REPO[#BRANCH-OR-COMMIT[:SUBDIR]]) with git; an
// http(s) URL is a tar archive (compressed or not), or else the
// Containerfile itself; github.com/OWNER/REPO is that repository's master
// branch archive; "-" is a tar archive on stdin.
func FetchContext(ctx context.Context, rawURL string, stdin io.Reader) (dir, sub string, err error) {
	if dir, err = os.MkdirTemp("", "hod-context-"); err != nil {
		return "", "", err
	}
	u, err := url.Parse(rawURL)
	switch {
	case rawURL == "-":
		err = unpackContext(stdin, dir, "stdin")
	case err != nil:
		err = fmt.Errorf("parsing url %q: %w", rawURL, err)
	case strings.HasPrefix(rawURL, "git://") || strings.HasSuffix(u.Path, ".git"):
		sub, err = cloneContext(ctx, rawURL, dir)
	case strings.HasPrefix(rawURL, "github.com/"):
		sub = path.Base(rawURL) + "-master"
		err = downloadContext(ctx, "https://"+rawURL+"/archive/master.tar.gz", dir)
	default:
		err = downloadContext(ctx, rawURL, dir)
	}
	return dir, sub, err
}

// cloneContext clones REPO[#REF[:SUBDIR]] at depth 1 into dir, as
// buildah does, and returns SUBDIR.
func cloneContext(ctx context.Context, rawURL, dir string) (string, error) {
	repo, fragment, _ := strings.Cut(rawURL, "#")
	ref, sub, _ := strings.Cut(fragment, ":")
	fetch := "FETCH_HEAD"
	if ref == "" {
		ref = "HEAD"
	} else {
		fetch = ref
	}
	for _, args := range [][]string{
		{"init", dir}, {"-C", dir, "remote", "add", "origin", repo},
		{"-C", dir, "fetch", "--depth=1", "origin", "--", ref}, {"-C", dir, "checkout", fetch},
	} {
		out, err := exec.CommandContext(ctx, "git", args...).CombinedOutput()
		if err != nil {
			// buildah's words; git's exit status is hod's, as in buildah.
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				err = &run.ExitError{Code: exit.ExitCode()}
			}
			verb := args[0]
			if verb == "-C" {
				verb = args[2]
			}
			return sub, fmt.Errorf("cloning %q to %q:\n%s: failed while performing `git %s`: %w", rawURL, dir, out, verb, err)
		}
	}
	return filepath.Clean("/" + sub)[1:], nil
}

// downloadContext fetches url: a tar archive is unpacked into dir, and
// anything else is taken as the Containerfile (dir/Dockerfile).
func downloadContext(ctx context.Context, rawURL, dir string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("invalid response status %d", resp.StatusCode)
	}
	if resp.ContentLength == 0 {
		return fmt.Errorf("no contents in %q", rawURL)
	}
	return unpackContext(resp.Body, dir, rawURL)
}

// unpackContext unpacks a tar archive (compressed or not) into dir, or,
// when r holds no archive, writes it as dir/Dockerfile, as buildah does
// for a URL or stdin. An archive streams: only its first bytes are looked
// at to tell.
func unpackContext(r io.Reader, dir, from string) error {
	if r == nil {
		return errors.New("no context to read")
	}
	br := bufio.NewReaderSize(r, 1024)
	head, err := br.Peek(262)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read build context from %s: %w", from, err)
	}
	if archive.DetectCompression(head) != archive.Uncompressed || bytes.HasPrefix(head[min(257, len(head)):], []byte("ustar")) {
		return untarContext(br, dir, from)
	}
	f, err := os.OpenFile(filepath.Join(dir, "Dockerfile"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, br); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// untarContext unpacks a (possibly compressed) tar archive into dir;
// containers/storage's Untar refuses entries that would land outside it.
func untarContext(r io.Reader, dir, from string) error {
	if r == nil {
		return errors.New("no archive")
	}
	if err := archive.Untar(r, dir, &archive.TarOptions{NoLchown: true}); err != nil {
		return fmt.Errorf("read build context from %s: %w", from, err)
	}
	return nil
}

// fetchDockerfile reads a Containerfile named by URL (bud -f URL).
func fetchDockerfile(rawURL string) ([]byte, error) {
	resp, err := http.Get(rawURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return nil, fmt.Errorf("reading %q: invalid response status %d", rawURL, resp.StatusCode)
	}
	text, err := io.ReadAll(resp.Body)
	if err == nil && len(text) == 0 {
		err = fmt.Errorf("no contents in %q", rawURL)
	}
	return text, err
}
