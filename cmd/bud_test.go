package cmd

import (
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
