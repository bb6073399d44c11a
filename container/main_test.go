package container

import (
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
