package storeconf

import (
	"path/filepath"
	"testing"
)

// RunPattern matches run bundles only: a run's reaper probed a bundle still
// being made for its lock, and the maker's own flock then failed ("resource
// temporarily unavailable", seen when 12 runs started at once).
func TestRunPattern(t *testing.T) {
	for name, want := range map[string]bool{
		"66df3166067e-1":                     true,
		"66df3166067e-23126":                 true,
		".new-66df3166067e-23126-2592905078": false,
		".gone-66df3166067e-1":               false,
		"netns":                              false,
	} {
		if got, err := filepath.Match(RunPattern, name); err != nil || got != want {
			t.Errorf("RunPattern on %q: %v (%v), want %v", name, got, err, want)
		}
	}
}
