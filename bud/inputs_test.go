package bud

import (
	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "args")
	if err := os.WriteFile(file, []byte("# comment\nA=file\nB=file\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FROM_ENV", "env")
	got, err := BuildArgs([]string{file}, []string{"B=flag", "FROM_ENV", "EMPTY="})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "file", "B": "flag", "FROM_ENV": "env", "EMPTY": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("build arg %s = %q, want %q (flags win over the file, KEY alone reads the environment)", k, got[k], v)
		}
	}
	if _, err := BuildArgs(nil, []string{"=x"}); err == nil {
		t.Error(`buildArgs accepted "=x"`)
	}
	// As buildah: a KEY the environment lacks is no error, and unsets an
	// earlier value (buildah's "bud containerfile with args").
	got, err = BuildArgs(nil, []string{"NOT_IN_ENV_AT_ALL=1", "NOT_IN_ENV_AT_ALL"})
	if _, set := got["NOT_IN_ENV_AT_ALL"]; err != nil || set {
		t.Errorf("BuildArgs(KEY=1, KEY not in the environment) = %v, %v; want KEY unset", got, err)
	}
}

func TestSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOKEN", "from-env")
	got, temps, err := ParseSecrets([]string{"id=f,src=" + file, "id=e,env=TOKEN", `"id=q",type=file,"source=` + file + `"`})
	defer func() {
		for _, tmp := range temps {
			os.Remove(tmp)
		}
	}()
	if err != nil {
		t.Fatal(err)
	}
	if got["f"] != file || got["q"] != file {
		t.Errorf("secrets = %v", got)
	}
	if data, err := os.ReadFile(got["e"]); err != nil || string(data) != "from-env" {
		t.Errorf("env secret holds %q, %v", data, err)
	}
	for _, bad := range []string{"src=" + file, "id=x,src=/nonexistent", `id="unterminated`} {
		if _, _, err := ParseSecrets([]string{bad}); err == nil || !strings.Contains(err.Error(), "--secret") {
			t.Errorf("ParseSecrets(%q) error %v, want one naming --secret", bad, err)
		}
	}
}

// --build-context NAME=URL fetches a tar archive over HTTP and unpacks it
// into a directory the build reads as NAME; an HTTP error names the URL.
func TestNamedContextURL(t *testing.T) {
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	body := []byte("from the web\n")
	if err := tw.WriteHeader(&tar.Header{Name: "web.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ctx.tar" {
			http.NotFound(w, r)
			return
		}
		w.Write(archive.Bytes())
	}))
	defer srv.Close()

	got, temps, err := NamedContexts(context.Background(), []string{"web=" + srv.URL + "/ctx.tar", "img=docker-image://localhost/base"})
	defer func() {
		for _, d := range temps {
			os.RemoveAll(d)
		}
	}()
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(got["web"].Dir, "web.txt")); err != nil || string(data) != string(body) {
		t.Errorf("web.txt = %q, %v", data, err)
	}
	if got["img"].Image != "localhost/base" {
		t.Errorf("img = %+v, want the image localhost/base", got["img"])
	}
	_, temps2, err := NamedContexts(context.Background(), []string{"web=" + srv.URL + "/missing.tar"})
	for _, d := range temps2 {
		os.RemoveAll(d)
	}
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "missing.tar") {
		t.Errorf("missing archive: %v, want the 404 and the URL", err)
	}
}
