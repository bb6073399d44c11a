package copier

import (
	"strings"
	"testing"
)

func FuzzParseChmod(f *testing.F) {
	for _, s := range []string{"0644", "755", "7777", "10000", "-1", "8", "0o644", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseChmod(s); err == nil && m > 0o7777 {
			t.Errorf("ParseChmod(%q) = %o", s, m)
		}
	})
}

// No ignore file may panic, at reading or at matching; a file that reads
// gives patterns that compile.
func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{"*.log\n!keep.log\n", "[\n", "a[\n", "# c\n\n**/x\n", "!\n", "\\\n", "a/**/b\n/abs\n../up\n"} {
		f.Add(s, "a/b.log")
	}
	f.Fuzz(func(t *testing.T, text, file string) {
		patterns, err := ParseIgnore(".dockerignore", strings.NewReader(text))
		if err != nil {
			if !strings.HasPrefix(err.Error(), ".dockerignore:") {
				t.Errorf("error %q names no line", err)
			}
			return
		}
		pm, err := NewMatcher(patterns)
		if err != nil {
			t.Fatalf("patterns %q read, but do not compile: %v", patterns, err)
		}
		if _, err := pm.MatchesOrParentMatches(file); err != nil {
			t.Errorf("patterns %q fail on %q: %v", patterns, file, err)
		}
	})
}
