package transfer

import "testing"

func TestParsePullPolicy(t *testing.T) {
	// pull --policy takes buildah's policy map only.
	for _, in := range []string{"missing", "always", "never", "ifnewer"} {
		if got, err := ParsePullPolicy(in); err != nil || string(got) != in {
			t.Errorf("ParsePullPolicy(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "true", "false", "sometimes"} {
		if _, err := ParsePullPolicy(bad); err == nil {
			t.Errorf("ParsePullPolicy(%q) accepted", bad)
		}
	}
	// from's and bud's --pull: buildah 1.28's reading of any word.
	for in, want := range map[string]PullPolicy{"true": PullNewer, "TRUE": PullNewer, "false": PullMissing, "": PullMissing,
		"missing": PullMissing, "bogus": PullMissing, "always": PullAlways, "Always": PullAlways, "never": PullNever} {
		if got := PullFlagPolicy(in); got != want {
			t.Errorf("PullFlagPolicy(%q) = %q, want %q", in, got, want)
		}
	}
}
