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

// Described returns changes whose history entry is text (an instruction
// as written, "ENV A=$B") instead of the one they would record.
func Described(text string, changes ...Change) []Change {
	out := make([]Change, 0, len(changes)+1)
	for _, ch := range changes {
		out = append(out, Change{"", ch.edit})
	}
	return append(out, Change{text, func(*State) {}})
}

// ApplyQuietly makes the changes and records no history: buildah's config
// without --add-history.
func (st *State) ApplyQuietly(changes ...Change) {
	for _, ch := range changes {
		ch.edit(st)
	}
}

// AddHistory records one empty-layer history entry per text, placed
// before the next commit's own entry (config --add-history).
func (st *State) AddHistory(createdBy ...string) {
	now := time.Now().UTC()
	for _, c := range createdBy {
		st.Pending = append(st.Pending, ispec.History{Created: &now, CreatedBy: c, EmptyLayer: true})
	}
}

// TakeLastHistory makes the last pending empty-layer entry the next
// commit's own description, when nothing else describes it: the final
// step of a build without --layers, as buildah records it.
func (st *State) TakeLastHistory() {
	if st.CreatedBy != "" || len(st.Pending) == 0 {
		return
	}
	last := st.Pending[len(st.Pending)-1]
	st.Pending = st.Pending[:len(st.Pending)-1]
	st.CreatedBy = last.CreatedBy
}
