package bud

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestContentDigest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.txt", "a")
	write("skip.log", "x")
	src := []string{filepath.Join(dir, "*")}
	base := contentDigest(dir, src, []string{"*.log"})
	later := time.Now().Add(time.Hour)
	_ = os.Chtimes(filepath.Join(dir, "a.txt"), later, later)
	if got := contentDigest(dir, src, []string{"*.log"}); got != base {
		t.Error("an mtime change changed the content digest")
	}
	write("skip.log", "changed")
	if got := contentDigest(dir, src, []string{"*.log"}); got != base {
		t.Error("an ignored file changed the content digest")
	}
	write("a.txt", "b")
	if got := contentDigest(dir, src, []string{"*.log"}); got == base {
		t.Error("new content kept the content digest")
	}
}

func TestUsedArgs(t *testing.T) {
	args := map[string]string{"V": "1", "VERSION": "2", "UNUSED": "3"}
	got := usedArgs("RUN echo $V ${VERSION}", args)
	if len(got) != 2 || got[0] != "V=1" || got[1] != "VERSION=2" {
		t.Errorf("usedArgs = %v, want [V=1 VERSION=2]", got)
	}
}

func TestExpandPrecedence(t *testing.T) {
	got, err := expand("$A-$B", map[string]string{"A": "arg", "B": "arg"}, []string{"B=env"})
	if err != nil || got != "arg-env" {
		t.Errorf("expand = %q, %v; want ENV over ARG: arg-env", got, err)
	}
}
