package copier

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hodbuild/hod/internal/tarx"
)

// Through the queue, the writer's first failure stops the walk and is
// what Close returns; nothing is left open.
func TestBehindReportsWriterError(t *testing.T) {
	dir := t.TempDir()
	dest, err := os.Open(dir)
	must(t, err)
	defer dest.Close()
	rw, err := tarx.NewDirWriter(dest, tarx.DirOptions{Owner: tarx.FixedOwner(tarx.Owner{UID: os.Geteuid(), GID: os.Getegid()})})
	must(t, err)
	q := newBehind(rw, 1)
	entries := []tar.Header{{Name: "../escape", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1}}
	for i := range 1000 {
		entries = append(entries, tar.Header{Name: fmt.Sprintf("f%d", i), Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	}
	var werr error
	for i := range entries {
		if werr = q.WriteHeader(&entries[i]); werr == nil {
			_, werr = q.Write([]byte("x"))
		}
		if werr != nil {
			break
		}
	}
	err = q.Close()
	rw.Abort()
	if err == nil || !strings.Contains(err.Error(), "outside the destination") {
		t.Fatalf("Close = %v, want the writer's error about the entry outside the destination", err)
	}
	if werr != nil && !errors.Is(werr, errStopped) {
		t.Errorf("the walk saw %v, want errStopped or nothing", werr)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(dir), "escape")); err == nil {
		t.Error("an entry named ../escape was written outside the destination")
	}
}
