package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Side is one of the two things compared.
type Side struct {
	Name   string
	Config any      // the OCI image configuration (JSON-able)
	Layers []string // diff IDs, bottom first; a container's changes last
	Files  Tree     // nil when files are not compared
}

// Result is what differs between A and B.
type Result struct {
	A      string        `json:"a"`
	B      string        `json:"b"`
	Config []FieldChange `json:"config"`
	Layers LayerChange   `json:"layers"`
	Files  []FileChange  `json:"files"`
}

// Same says whether nothing differs.
func (r Result) Same() bool {
	return len(r.Config) == 0 && r.Layers.Same() && len(r.Files) == 0
}

// FieldChange is one configuration field, by its JSON path
// ("config.Env", "history[3].created_by"), in A and in B (absent: null).
type FieldChange struct {
	Field string          `json:"field"`
	A     json.RawMessage `json:"a"`
	B     json.RawMessage `json:"b"`
}

// LayerChange is the two layer lists and how many bottom layers they
// share.
type LayerChange struct {
	Common int      `json:"common"`
	A      []string `json:"a"`
	B      []string `json:"b"`
}

// Same says whether the lists are equal.
func (l LayerChange) Same() bool { return slices.Equal(l.A, l.B) }

// FileChange is one path that differs: added (in B only), removed (in A
// only), or changed, with what changed.
type FileChange struct {
	Path   string   `json:"path"`
	Change string   `json:"change"`
	What   []string `json:"what,omitempty"`
	A      *Entry   `json:"a,omitempty"`
	B      *Entry   `json:"b,omitempty"`
}

// Compare compares a and b.
func Compare(a, b Side) (Result, error) {
	r := Result{A: a.Name, B: b.Name, Layers: LayerChange{A: a.Layers, B: b.Layers}}
	for r.Layers.Common < min(len(a.Layers), len(b.Layers)) && a.Layers[r.Layers.Common] == b.Layers[r.Layers.Common] {
		r.Layers.Common++
	}
	var err error
	if r.Config, err = compareConfigs(a.Config, b.Config); err != nil {
		return r, err
	}
	if a.Files != nil && b.Files != nil {
		r.Files = compareTrees(a.Files, b.Files)
	}
	return r, nil
}

func compareConfigs(a, b any) ([]FieldChange, error) {
	fa, err := flatten(a)
	if err != nil {
		return nil, err
	}
	fb, err := flatten(b)
	if err != nil {
		return nil, err
	}
	var out []FieldChange
	for _, k := range unionKeys(fa, fb) {
		if k == "rootfs.diff_ids" || k == "rootfs.type" {
			continue // the layer lists, compared on their own
		}
		if va, vb := fa[k], fb[k]; !bytes.Equal(va, vb) {
			out = append(out, FieldChange{Field: k, A: orNull(va), B: orNull(vb)})
		}
	}
	return out, nil
}

func orNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}

// flatten maps a JSON document's leaves by path: objects are walked by key,
// arrays of objects by index (history[2].created_by), and anything else
// (strings, numbers, arrays of scalars such as Env) is one leaf, compact.
func flatten(v any) (map[string]json.RawMessage, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	var walk func(prefix string, v any) error
	walk = func(prefix string, v any) error {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				if err := walk(p, child); err != nil {
					return err
				}
			}
			return nil
		case []any:
			if slices.ContainsFunc(x, func(e any) bool { _, obj := e.(map[string]any); return obj }) {
				for i, child := range x {
					if err := walk(fmt.Sprintf("%s[%d]", prefix, i), child); err != nil {
						return err
					}
				}
				return nil
			}
		}
		leaf, err := json.Marshal(v)
		out[prefix] = leaf
		return err
	}
	return out, walk("", doc)
}

func compareTrees(a, b Tree) []FileChange {
	var out []FileChange
	for _, p := range unionKeys(a, b) {
		ea, inA := a[p]
		eb, inB := b[p]
		switch {
		case !inA:
			out = append(out, FileChange{Path: p, Change: "added", B: &eb})
		case !inB:
			out = append(out, FileChange{Path: p, Change: "removed", A: &ea})
		default:
			if what := changed(ea, eb); len(what) > 0 {
				out = append(out, FileChange{Path: p, Change: "changed", What: what, A: &ea, B: &eb})
			}
		}
	}
	return out
}

// changed names what differs between two entries of one path.
func changed(a, b Entry) []string {
	var what []string
	for _, c := range []struct {
		name string
		diff bool
	}{
		{"type", a.Type != b.Type},
		{"content", a.Digest != b.Digest || a.Size != b.Size},
		{"link", a.Link != b.Link},
		{"mode", a.Mode != b.Mode},
		{"owner", a.UID != b.UID || a.GID != b.GID},
		{"mtime", !a.ModTime.Equal(b.ModTime)},
		{"xattrs", !maps.Equal(a.Xattrs, b.Xattrs)},
		{"device", a.Dev != b.Dev},
	} {
		if c.diff {
			what = append(what, c.name)
		}
	}
	return what
}

// Text writes r for people: configuration fields, layers, files.
func (r Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", r.A, r.B)
	if r.Same() {
		b.WriteString("no differences\n")
		return b.String()
	}
	if len(r.Config) > 0 {
		b.WriteString("config:\n")
		for _, c := range r.Config {
			fmt.Fprintf(&b, "  %s: %s -> %s\n", c.Field, c.A, c.B)
		}
	}
	if !r.Layers.Same() {
		fmt.Fprintf(&b, "layers: %d in common\n", r.Layers.Common)
		for _, l := range r.Layers.A[r.Layers.Common:] {
			fmt.Fprintf(&b, "  - %s\n", l)
		}
		for _, l := range r.Layers.B[r.Layers.Common:] {
			fmt.Fprintf(&b, "  + %s\n", l)
		}
	}
	if len(r.Files) > 0 {
		b.WriteString("files:\n")
		for _, f := range r.Files {
			switch f.Change {
			case "added":
				fmt.Fprintf(&b, "  + %s\n", f.Path)
			case "removed":
				fmt.Fprintf(&b, "  - %s\n", f.Path)
			default:
				fmt.Fprintf(&b, "  ~ %s: %s\n", f.Path, describe(f))
			}
		}
	}
	return b.String()
}

// describe says what changed in a file, with the values where they are
// short.
func describe(f FileChange) string {
	var parts []string
	for _, w := range f.What {
		switch w {
		case "mode":
			parts = append(parts, fmt.Sprintf("mode %04o -> %04o", uint32(f.A.Mode), uint32(f.B.Mode)))
		case "owner":
			parts = append(parts, fmt.Sprintf("owner %d:%d -> %d:%d", f.A.UID, f.A.GID, f.B.UID, f.B.GID))
		case "mtime":
			parts = append(parts, fmt.Sprintf("mtime %s -> %s", f.A.ModTime.Format("2006-01-02T15:04:05Z"), f.B.ModTime.Format("2006-01-02T15:04:05Z")))
		case "type":
			parts = append(parts, fmt.Sprintf("type %s -> %s", f.A.Type, f.B.Type))
		case "link":
			parts = append(parts, fmt.Sprintf("link %s -> %s", f.A.Link, f.B.Link))
		case "content":
			parts = append(parts, fmt.Sprintf("content (%d -> %d bytes)", f.A.Size, f.B.Size))
		default:
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, ", ")
}

// unionKeys are the keys of a and b, each once, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
