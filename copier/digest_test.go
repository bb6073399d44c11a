package copier

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The cache key of COPY: what the copy would write, not mtimes or
// ignored files, and following a symlinked directory as the copy does.
func TestDigest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("a.txt", "a")
	write("skip.log", "x")
	write("real/f", "1")
	must(t, os.Symlink("real", filepath.Join(dir, "link")))
	opts := Options{ContextDir: dir, Confine: true, Ignore: []string{"*.log"}}
	digest := func(sources ...string) string {
		t.Helper()
		d, err := Digest(ctx, sources, opts)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base, viaLink := digest("*"), digest("link")
	later := time.Now().Add(time.Hour)
	must(t, os.Chtimes(filepath.Join(dir, "a.txt"), later, later))
	if digest("*") != base {
		t.Error("an mtime change changed the digest")
	}
	write("skip.log", "changed")
	if digest("*") != base {
		t.Error("an ignored file changed the digest")
	}
	write("real/f", "2")
	if digest("link") == viaLink {
		t.Error("new content behind a symlinked directory kept the digest")
	}
	before := digest("a.txt")
	must(t, unix.Lsetxattr(filepath.Join(dir, "a.txt"), "user.note", []byte("x"), 0))
	if digest("a.txt") == before {
		t.Error("an xattr change kept the digest")
	}
	before = digest("a.txt")
	opts.Chmod = "0600"
	if digest("a.txt") == before {
		t.Error("--chmod kept the digest")
	}
	if _, err := Digest(ctx, []string{"*.log"}, opts); err == nil {
		t.Error("a source matching only ignored files was copied")
	}
	for _, bad := range []Options{{Chmod: "9"}, {Chown: "99999999999"}, {Checksum: "md5:00"}} {
		if _, err := Digest(ctx, []string{filepath.Join(dir, "a.txt")}, bad); err == nil {
			t.Errorf("Digest(%+v) accepted bad input", bad)
		}
	}
	if _, err := Digest(ctx, []string{"../../etc/passwd"}, Options{ContextDir: dir, Confine: true}); err == nil {
		t.Error("a source outside the context was found")
	}
}
