package container

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hodbuild/hod/storage/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var newStore = storetest.New

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// accountsRoot is a root filesystem holding only /etc/passwd and /etc/group.
func accountsRoot(t testing.TB, passwd, group string) string {
	t.Helper()
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(passwd), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "etc/group"), []byte(group), 0o644))
	return root
}
