package bud

import (
	"testing"
)

func TestUsedArgs(t *testing.T) {
	args := map[string]string{"V": "1", "VERSION": "2", "UNUSED": "3"}
	got := usedArgs("RUN echo $V ${VERSION}", args)
	if len(got) != 2 || got[0] != "V=1" || got[1] != "VERSION=2" {
		t.Errorf("usedArgs = %v, want [V=1 VERSION=2]", got)
	}
}

func TestExpandPrecedence(t *testing.T) {
	got, err := expand("$A-$B", map[string]string{"A": "arg", "B": "arg"}, []string{"B=env"})
	if err != nil || got != "arg-env" {
		t.Errorf("expand = %q, %v; want ENV over ARG: arg-env", got, err)
	}
}
