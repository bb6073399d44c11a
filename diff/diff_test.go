package diff

import (
	"archive/tar"
	"bytes"
	"path"
	"slices"
	"strings"
	"testing"
	"time"
)

type tarEntryT struct {
	name, link, content string
	typ                 byte
	mode                int64
}

func layer(t *testing.T, entries ...tarEntryT) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Size: int64(len(e.content)), ModTime: time.Unix(1, 0)}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Size > 0 {
			if _, err := tw.Write([]byte(e.content)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

// Layers apply as a storage driver applies them: whiteouts and opaque
// directories hide lower layers' files only, a hard link carries its
// target's content, a file replacing a directory hides what was in it.
func TestApplyLayer(t *testing.T) {
	tree := Tree{}
	for _, l := range []*bytes.Reader{
		layer(t, tarEntryT{name: "etc/", typ: tar.TypeDir, mode: 0o755}, tarEntryT{name: "etc/a", content: "a"}, tarEntryT{name: "etc/b", content: "b"},
			tarEntryT{name: "opt/", typ: tar.TypeDir}, tarEntryT{name: "opt/x", content: "x"}, tarEntryT{name: "gone/", typ: tar.TypeDir}, tarEntryT{name: "gone/y", content: "y"},
			tarEntryT{name: "d/", typ: tar.TypeDir}, tarEntryT{name: "d/z", content: "z"}),
		layer(t, tarEntryT{name: "etc/.wh.a"}, tarEntryT{name: "opt/.wh..wh..opq"}, tarEntryT{name: "opt/new", content: "n"},
			tarEntryT{name: ".wh.gone"}, tarEntryT{name: "d", content: "file now"}, tarEntryT{name: "etc/hl", typ: tar.TypeLink, link: "etc/b"}),
	} {
		if err := tree.ApplyLayer(l); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for p := range tree {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	if want := []string{"/d", "/etc", "/etc/b", "/etc/hl", "/opt", "/opt/new"}; !slices.Equal(paths, want) {
		t.Errorf("tree %v, want %v", paths, want)
	}
	if tree["/etc/hl"].Digest != tree["/etc/b"].Digest || tree["/etc/hl"].Digest == "" {
		t.Errorf("hard link content %q, target's %q", tree["/etc/hl"].Digest, tree["/etc/b"].Digest)
	}
}

// Compare names each difference once, with what changed.
func TestCompare(t *testing.T) {
	base := Entry{Type: "file", Mode: 0o644, Digest: "sha256:1", Size: 1, ModTime: time.Unix(5, 0)}
	moved := base
	moved.ModTime = time.Unix(6, 0)
	chmodded := base
	chmodded.Mode, chmodded.Digest = 0o600, "sha256:2"
	a := Side{Name: "a", Layers: []string{"l1", "l2"}, Files: Tree{"/same": base, "/mtime": base, "/both": base, "/gone": base},
		Config: map[string]any{"config": map[string]any{"Env": []string{"A=1"}, "User": "app"}, "history": []map[string]any{{"created_by": "x"}}}}
	b := Side{Name: "b", Layers: []string{"l1", "l3"}, Files: Tree{"/same": base, "/mtime": moved, "/both": chmodded, "/new": base},
		Config: map[string]any{"config": map[string]any{"Env": []string{"A=2"}, "User": "app"}, "history": []map[string]any{{"created_by": "y"}}}}
	r, err := Compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, c := range r.Config {
		fields = append(fields, c.Field)
	}
	if want := []string{"config.Env", "history[0].created_by"}; !slices.Equal(fields, want) {
		t.Errorf("config fields %v, want %v", fields, want)
	}
	if r.Layers.Common != 1 {
		t.Errorf("layers in common %d, want 1", r.Layers.Common)
	}
	got := map[string]string{}
	for _, f := range r.Files {
		got[f.Path] = f.Change + " " + strings.Join(f.What, "")
	}
	want := map[string]string{"/mtime": "changed mtime", "/both": "changed contentmode", "/gone": "removed ", "/new": "added "}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %q, want %q", p, got[p], w)
		}
	}
	if len(r.Files) != len(want) || r.Same() {
		t.Errorf("files %v", got)
	}
	if same, _ := Compare(a, a); !same.Same() {
		t.Errorf("a differs from itself: %+v", same)
	}
}

// A hostile layer (any bytes) is refused or applied, never a panic, and
// every path in the tree stays absolute and clean.
func FuzzApplyLayer(f *testing.F) {
	f.Add([]byte{})
	var seed bytes.Buffer
	tw := tar.NewWriter(&seed)
	_ = tw.WriteHeader(&tar.Header{Name: "../../x/.wh..wh..opq", Typeflag: tar.TypeReg})
	_ = tw.WriteHeader(&tar.Header{Name: "a/.wh.b", Typeflag: tar.TypeReg})
	_ = tw.WriteHeader(&tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"})
	_ = tw.Close()
	f.Add(seed.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tree := Tree{}
		_ = tree.ApplyLayer(bytes.NewReader(data))
		for p := range tree {
			if p != path.Clean(p) || !path.IsAbs(p) {
				t.Errorf("path %q in the tree", p)
			}
		}
	})
}
