package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hodbuild/hod/storage"
)

func TestBuildArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "args")
	if err := os.WriteFile(file, []byte("# comment\nA=file\nB=file\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FROM_ENV", "env")
	got, err := buildArgs([]string{file}, []string{"B=flag", "FROM_ENV", "EMPTY="})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "file", "B": "flag", "FROM_ENV": "env", "EMPTY": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("build arg %s = %q, want %q (flags win over the file, KEY alone reads the environment)", k, got[k], v)
		}
	}
	for _, bad := range []string{"=x", "NOT_IN_ENV_AT_ALL"} {
		if _, err := buildArgs(nil, []string{bad}); err == nil {
			t.Errorf("buildArgs accepted %q", bad)
		}
	}
}

func TestSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOKEN", "from-env")
	got, temps, err := secrets([]string{"id=f,src=" + file, "id=e,env=TOKEN", `"id=q",type=file,"source=` + file + `"`})
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
		if _, _, err := secrets([]string{bad}); err == nil || !strings.Contains(err.Error(), "--secret") {
			t.Errorf("secrets(%q) error %v, want one naming --secret", bad, err)
		}
	}
}

func TestFilters(t *testing.T) {
	keep, err := parseFilters([]string{"dangling=false", "reference=localhost/a*"}, imageFilter)
	if err != nil {
		t.Fatal(err)
	}
	for names, want := range map[string]bool{"localhost/app:1": true, "localhost/b:1": false, "": false} {
		s := storage.Summary{}
		if names != "" {
			s.Names = []string{names}
		}
		if got := keep(s); got != want {
			t.Errorf("filter on %q = %v, want %v", names, got, want)
		}
	}
	for _, bad := range []string{"dangling=maybe", "nokey", "size=1"} {
		if _, err := parseFilters([]string{bad}, imageFilter); err == nil || !strings.Contains(err.Error(), "--filter") {
			t.Errorf("--filter %s: error %v", bad, err)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 2380: "2.38 KB", 999999: "1 MB", 1990000: "1.99 MB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
