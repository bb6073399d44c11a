package state

import (
	"strings"
	"time"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// nop is how Docker, buildah and hod spell a history entry that adds no layer.
const nop = "/bin/sh -c #(nop) "

// record appends the one history entry for a set of configuration changes:
// "ENV A=1 B=2" for changes of one kind, instructions joined otherwise.
func (st *State) record(instructions []string) {
	if len(instructions) == 0 {
		return
	}
	var b strings.Builder
	last := ""
	for _, ins := range instructions {
		keyword, args, _ := strings.Cut(ins, " ")
		if keyword != last {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(keyword)
			last = keyword
		}
		b.WriteString(" " + args)
	}
	now := time.Now().UTC()
	st.Pending = append(st.Pending, ispec.History{Created: &now, CreatedBy: nop + b.String(), EmptyLayer: true})
}
