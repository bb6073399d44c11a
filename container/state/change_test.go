package state

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		shell      []string
		want       []string
		wantErr    bool
	}{
		{name: "exec form", text: `["/bin/app","--flag"]`, want: []string{"/bin/app", "--flag"}},
		{name: "shell form", text: "echo $HOME", want: []string{"/bin/sh", "-c", "echo $HOME"}},
		{name: "custom shell", text: "echo hi", shell: []string{"/bin/bash", "-ec"}, want: []string{"/bin/bash", "-ec", "echo hi"}},
		{name: "empty clears", text: "  ", want: nil},
		{name: "empty array", text: "[]", want: []string{}},
		{name: "bad JSON", text: `["unterminated`, wantErr: true},
		{name: "not strings", text: `[1, 2]`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCommand(tc.text, tc.shell)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseCommand(%q) error = %v, wantErr %v", tc.text, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" && !tc.wantErr {
				t.Errorf("ParseCommand(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func TestApplyEnv(t *testing.T) {
	var st State
	for _, kv := range []string{"A=1", "B=x=y", "A=2", "C=", "B-"} {
		ch, err := ParseEnv(kv)
		if err != nil {
			t.Fatalf("ParseEnv(%q): %v", kv, err)
		}
		ch.edit(&st)
	}
	if diff := cmp.Diff([]string{"A=2", "C="}, st.Config.Config.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	t.Setenv("HOD_TEST_EMPTY", "")
	for _, bad := range []string{"", "=1", "HOD_TEST_UNSET_VARIABLE", "HOD_TEST_EMPTY"} {
		if _, err := ParseEnv(bad); err == nil {
			t.Errorf("ParseEnv(%q) succeeded, want an error", bad)
		}
	}
}

// config --env as buildah 1.28 reads it: expansion against the
// environment as it stands, values from hod's own environment, "-".
func TestParseEnvBuildahForms(t *testing.T) {
	t.Setenv("HOD_TEST_FROM_HOST", "host value")
	for _, tc := range []struct {
		name  string
		start []string
		specs []string
		want  []string
	}{
		{"expand earlier values", nil, []string{"foo=bar", "foo1=bar1", "combined=$foo/${foo1}"}, []string{"foo=bar", "foo1=bar1", "combined=bar/bar1"}},
		{"expand the image's values", []string{"PATH=/bin"}, []string{"PATH=/opt:$PATH"}, []string{"PATH=/opt:/bin"}},
		{"a missing variable gives its name", nil, []string{"x=$nothere"}, []string{"x=nothere"}},
		{"from the host", nil, []string{"HOD_TEST_FROM_HOST"}, []string{"HOD_TEST_FROM_HOST=host value"}},
		{"remove all", []string{"A=1", "B=2"}, []string{"-", "C=3"}, []string{"C=3"}},
		{"remove one", []string{"A=1", "B=2"}, []string{"A-"}, []string{"B=2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st State
			st.Config.Config.Env = tc.start
			for _, spec := range tc.specs {
				ch, err := ParseEnv(spec)
				if err != nil {
					t.Fatalf("ParseEnv(%q): %v", spec, err)
				}
				ch.edit(&st)
			}
			if diff := cmp.Diff(tc.want, st.Config.Config.Env); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		})
	}
}

// --label, --annotation, --port and --volume take buildah's "-" forms.
func TestRemovalForms(t *testing.T) {
	var st State
	st.Config.Config.Labels = map[string]string{"a": "1", "b": "2"}
	st.Config.Config.ExposedPorts = map[string]struct{}{"80": {}, "12345": {}}
	st.Config.Config.Volumes = map[string]struct{}{"/v": {}, "/w": {}}
	apply := func(ch Change, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		ch.edit(&st)
	}
	apply(ParseLabel("a-", Label, UnsetLabel, ClearLabels()), nil)
	apply(ParseLabel("c", Label, UnsetLabel, ClearLabels()), nil)
	if diff := cmp.Diff(map[string]string{"b": "2", "c": ""}, st.Config.Config.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	apply(ParseLabel("-", Label, UnsetLabel, ClearLabels()), nil)
	if len(st.Config.Config.Labels) != 0 {
		t.Errorf("labels after -: %v", st.Config.Config.Labels)
	}
	apply(ParsePort("12345-"))
	if _, ok := st.Config.Config.ExposedPorts["12345"]; ok || len(st.Config.Config.ExposedPorts) != 1 {
		t.Errorf("ports after 12345-: %v", st.Config.Config.ExposedPorts)
	}
	apply(ParsePort("-"))
	if len(st.Config.Config.ExposedPorts) != 0 {
		t.Errorf("ports after -: %v", st.Config.Config.ExposedPorts)
	}
	if _, err := ParsePort("http"); err == nil {
		t.Error(`ParsePort("http") succeeded`)
	}
	apply(ParseVolume("/v-"), nil)
	if _, ok := st.Config.Config.Volumes["/v"]; ok || len(st.Config.Config.Volumes) != 1 {
		t.Errorf("volumes after /v-: %v", st.Config.Config.Volumes)
	}
	apply(ParseVolume("-"), nil)
	if len(st.Config.Config.Volumes) != 0 {
		t.Errorf("volumes after -: %v", st.Config.Config.Volumes)
	}
}

func TestRecordHistory(t *testing.T) {
	var st State
	st.record([]string{"ENV A=1", "ENV B=2", "LABEL x=y", "ENV C=3"})
	st.record(nil)
	if len(st.Pending) != 1 {
		t.Fatalf("got %d history entries, want 1", len(st.Pending))
	}
	h := st.Pending[0]
	if want := "/bin/sh -c #(nop) ENV A=1 B=2 LABEL x=y ENV C=3"; h.CreatedBy != want || !h.EmptyLayer {
		t.Errorf("entry = %q (empty %v), want %q (empty)", h.CreatedBy, h.EmptyLayer, want)
	}
}

func TestChangesEditInPlace(t *testing.T) {
	// Changes edit the state's maps in place (a copy per change made n
	// LABEL lines cost n²): the result is the same as applying them to a
	// fresh state, whatever came before.
	var st State
	for i := range 1000 {
		Label(fmt.Sprint("k", i), "v").edit(&st)
	}
	Label("k0", "changed").edit(&st)
	Port("80/tcp").edit(&st)
	Volume("/v").edit(&st)
	if len(st.Config.Config.Labels) != 1000 || st.Config.Config.Labels["k0"] != "changed" {
		t.Errorf("labels: %d, k0=%q", len(st.Config.Config.Labels), st.Config.Config.Labels["k0"])
	}
	if _, ok := st.Config.Config.ExposedPorts["80/tcp"]; !ok {
		t.Errorf("Port(80) = %v, want 80/tcp", st.Config.Config.ExposedPorts)
	}
}

func TestCheckPortAndStopSignal(t *testing.T) {
	for _, good := range []string{"80", "8080/tcp", "53/udp", "1000-2000/sctp", "65535"} {
		if err := CheckPort(good); err != nil {
			t.Errorf("CheckPort(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"abc", "0", "65536", "80/icmp", "90-80", "-1", "", "80/"} {
		if err := CheckPort(bad); err == nil {
			t.Errorf("CheckPort(%q) accepted", bad)
		}
	}
	for _, good := range []string{"SIGTERM", "term", "9", "SIGRTMIN+3", "SIGKILL"} {
		if err := CheckStopSignal(good); err != nil {
			t.Errorf("CheckStopSignal(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"SIGNOPE", "0", "65", "", "-9"} {
		if err := CheckStopSignal(bad); err == nil {
			t.Errorf("CheckStopSignal(%q) accepted", bad)
		}
	}
}

func TestParseCmd(t *testing.T) {
	for in, want := range map[string][]string{
		`echo "a b"   c`: {"echo", "a b", "c"}, `echo 'x y'`: {"echo", "x y"}, "": nil, "[]": {},
		`a\ b "c\"d"`: {"a b", `c"d`}, `["x", "y z"]`: {"x", "y z"}, `''`: {""},
	} {
		got, err := ParseCmd(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseCmd(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`"open`, `'open`, `end\`, `["x"`} {
		if _, err := ParseCmd(bad); err == nil {
			t.Errorf("ParseCmd(%q) accepted", bad)
		}
	}
}

func FuzzParseCmd(f *testing.F) {
	for _, s := range []string{`echo "a b"`, `["x"]`, `a\ b`, `'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseCmd(s) })
}
