package bud

import (
	"context"
	"testing"
)

func TestPlatforms(t *testing.T) {
	for _, c := range []struct {
		name     string
		list     []string
		want     []string // platform and log prefix of each build
		wantFail bool
	}{
		{"this machine", []string{""}, []string{"", ""}, false},
		{"one", []string{"linux/arm64"}, []string{"linux/arm64", ""}, false},
		{"several", []string{"linux/amd64", "linux/arm/v7"}, []string{"linux/amd64", "[linux/amd64] ", "linux/arm/v7", "[linux/arm/v7] "}, false},
		{"a bad one after a good one", []string{"linux/amd64", "linux/arm/v7/x/y"}, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			builds, err := Platforms(context.Background(), nil, Options{Tags: []string{"x"}}, c.list, false)
			if (err != nil) != c.wantFail {
				t.Fatalf("error %v, want failure %v", err, c.wantFail)
			}
			var got []string
			for _, b := range builds {
				if b.Options.Platform != b.Platform || b.Options.Tags[0] != "x" {
					t.Errorf("build %q has options for %q (tags %v)", b.Platform, b.Options.Platform, b.Options.Tags)
				}
				got = append(got, b.Platform, b.Options.LogPrefix)
			}
			if len(got) != len(c.want) {
				t.Fatalf("builds %q, want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("builds %q, want %q", got, c.want)
					break
				}
			}
		})
	}
}
