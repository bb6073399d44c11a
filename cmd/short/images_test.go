package short

import (
	"strings"
	"testing"

	"github.com/hodbuild/hod/storage/catalog"
)

func TestFilters(t *testing.T) {
	keep, err := parseFilters([]string{"dangling=false", "reference=localhost/a*"}, imageFilter)
	if err != nil {
		t.Fatal(err)
	}
	for names, want := range map[string]bool{"localhost/app:1": true, "localhost/b:1": false, "": false} {
		s := catalog.Summary{}
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
