package short

import (
	"testing"

	"github.com/hodbuild/hod/storage/catalog"
)

func TestFilters(t *testing.T) {
	keep, err := parseFilters([]string{"dangling=false", "reference=localhost/a*"}, imageFilterWords, imageFilters{}.byKey)
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
	for bad, want := range map[string]string{
		"dangling=maybe": `parse --filter "dangling=maybe": dangling takes true or false`,
		"nokey":          `invalid image filter "nokey": must be in the format "filter=value or filter!=value"`,
		"size=1":         `unsupported image filter "size"`,
	} {
		if _, err := parseFilters([]string{bad}, imageFilterWords, imageFilters{}.byKey); err == nil || err.Error() != want {
			t.Errorf("--filter %s: error %v, want %s", bad, err, want)
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
