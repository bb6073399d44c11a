package bud

import (
	"errors"

	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hodbuild/hod/run"
)

func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readIn(t *testing.T, dir, sub, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, sub, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A context on stdin or at a URL is a tar archive, or else the
// Containerfile itself (buildah's "bud with Dockerfile from stdin").
func TestFetchContext(t *testing.T) {
	archive := tarOf(t, map[string]string{"Dockerfile": "FROM scratch\n", "f.txt": "x"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/context.tar":
			w.Write(archive)
		case "/Dockerfile":
			w.Write([]byte("FROM scratch\nLABEL from=url\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, url string
		stdin     []byte
		file      string
		want      string
		wantErr   bool
	}{
		{"stdin tar", "-", archive, "f.txt", "x", false},
		{"stdin Containerfile", "-", []byte("FROM scratch\n"), "Dockerfile", "FROM scratch\n", false},
		{"url tar", srv.URL + "/context.tar", nil, "f.txt", "x", false},
		{"url Containerfile", srv.URL + "/Dockerfile", nil, "Dockerfile", "FROM scratch\nLABEL from=url\n", false},
		{"url missing", srv.URL + "/nosuch", nil, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !IsRemoteContext(tc.url) {
				t.Fatalf("IsRemoteContext(%q) = false", tc.url)
			}
			dir, sub, err := FetchContext(context.Background(), tc.url, bytes.NewReader(tc.stdin))
			defer os.RemoveAll(dir)
			if (err != nil) != tc.wantErr {
				t.Fatalf("FetchContext: %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil {
				if got := readIn(t, dir, sub, tc.file); got != tc.want {
					t.Errorf("%s = %q, want %q", tc.file, got, tc.want)
				}
			}
		})
	}
	if IsRemoteContext("./ctx") || IsRemoteContext("/abs") {
		t.Error("a directory counts as a remote context")
	}
}

// A git context is cloned; #REF:SUBDIR picks a ref and a subdirectory,
// which cannot leave the clone.
func TestFetchGitContext(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git needed")
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	if err := os.MkdirAll(filepath.Join(repo, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "sub", "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".")
	git("commit", "-q", "-m", "one")
	for _, tc := range []struct{ url, wantSub string }{
		{repo + "/.git", ""},
		{repo + "/.git#main:sub", "sub"},
		{repo + "/.git#main:../../etc", "etc"},
	} {
		dir, sub, err := FetchContext(context.Background(), tc.url, nil)
		if err != nil {
			t.Fatalf("FetchContext(%s): %v", tc.url, err)
		}
		if sub != tc.wantSub || strings.Contains(sub, "..") {
			t.Errorf("FetchContext(%s) sub = %q, want %q", tc.url, sub, tc.wantSub)
		}
		if got := readIn(t, dir, "sub", "Dockerfile"); got != "FROM scratch\n" {
			t.Errorf("clone of %s: Dockerfile %q", tc.url, got)
		}
		os.RemoveAll(dir)
	}
	// buildah's words, and git's status as the exit status.
	dir, _, err := FetchContext(context.Background(), "git://127.0.0.1:1/nosuch", nil)
	os.RemoveAll(dir)
	var exit *run.ExitError
	if err == nil || !strings.Contains(err.Error(), "failed while performing `git fetch`") || !errors.As(err, &exit) || exit.Code != 128 {
		t.Errorf("clone of an unreachable repository: %v, want git fetch's failure with status 128", err)
	}
}
