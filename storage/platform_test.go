package storage

import "testing"

func TestParsePlatformAndPullPolicy(t *testing.T) {
	for in, want := range map[string]Platform{"linux/amd64": {"linux", "amd64", ""}, "linux/arm/v7": {"linux", "arm", "v7"}} {
		got, err := ParsePlatform(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParsePlatform(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "linux", "linux/", "/amd64", "a/b/c/d", "linux/arm/"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", bad)
		}
	}
	for in, want := range map[string]PullPolicy{"": PullMissing, "true": PullMissing, "false": PullNever, "always": PullAlways, "never": PullNever} {
		if got, err := ParsePullPolicy(in); err != nil || got != want {
			t.Errorf("ParsePullPolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePullPolicy("sometimes"); err == nil {
		t.Error("ParsePullPolicy(sometimes) accepted")
	}
}

func FuzzParsePlatform(f *testing.F) {
	for _, s := range []string{"linux/amd64", "linux/arm/v7", "/", "a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePlatform(s); err == nil && p.String() != s {
			t.Errorf("ParsePlatform(%q).String() = %q", s, p.String())
		}
	})
}
