package bud

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hodbuild/hod/commit"
	"github.com/hodbuild/hod/container"
	"github.com/hodbuild/hod/container/state"
	"github.com/hodbuild/hod/run"
	"github.com/hodbuild/hod/run/policy"
	"github.com/hodbuild/hod/storage/storetest"
	ispec "github.com/opencontainers/image-spec/specs-go/v1"
	istorage "go.podman.io/image/v5/storage"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
)

func TestMain(m *testing.M) {
	reexec.Register(run.ChrootCommand, run.ChrootMain)
	storetest.Main(m)
}

// busyboxContext writes a build context holding the host's static busybox
// and the given Dockerfile; tests that RUN need root and busybox.
func busyboxContext(t *testing.T, dockerfile string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("RUN needs root")
	}
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skip("busybox-static needed")
	}
	dir := t.TempDir()
	write(t, dir, "busybox", string(bin), 0o755)
	write(t, dir, "Dockerfile", dockerfile, 0o644)
	return dir
}

func write(t *testing.T, dir, name, content string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func build(t *testing.T, store cstorage.Store, dir string, opts Options) string {
	t.Helper()
	opts.ContextDir = dir
	opts.Run.Isolation = policy.IsolationChroot
	id, err := Build(context.Background(), store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Stages built at once read a shared cached stage's image, never its
// working container: warm rebuilds of a diamond of stages always give the
// same image (run under -race by make test).
func TestWarmParallelStages(t *testing.T) {
	dir := busyboxContext(t, `
FROM scratch AS base
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo base > /base"]
ENV STAGE=base
FROM base AS a
COPY --from=base /base /base-a
RUN ["/bin/busybox", "sh", "-c", "echo a > /a"]
FROM base AS b
COPY --from=base /base /base-b
RUN ["/bin/busybox", "sh", "-c", "echo b > /b"]
FROM base
COPY --from=a /a /base-a /
COPY --from=b /b /base-b /
`)
	store := storetest.New(t)
	first := build(t, store, dir, Options{Jobs: 4})
	for range 5 {
		if id := build(t, store, dir, Options{Jobs: 4}); id != first {
			t.Fatalf("warm rebuild gave image %s, first build %s", id, first)
		}
	}
}

func TestWorkdirAbsoluteReplaces(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM scratch\nWORKDIR /app\nWORKDIR sub\nWORKDIR /x\nWORKDIR y/../z\n", 0o644)
	store := storetest.New(t)
	id := build(t, store, dir, Options{})
	if got := imageConfig(t, store, id).Config.WorkingDir; got != "/x/z" {
		t.Errorf("WorkingDir = %q, want /x/z", got)
	}
}

// --label and --annotation give the same image on every build: their
// history entry does not follow map order.
func TestLabelsReproducible(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM scratch\nENV A=1\n", 0o644)
	store := storetest.New(t)
	epoch := time.Unix(0, 0).UTC()
	opts := Options{NoCache: true, Commit: commit.Options{Timestamp: &epoch},
		Labels:      map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"},
		Annotations: map[string]string{"x": "1", "y": "2", "z": "3"}}
	first := build(t, store, dir, opts)
	for range 6 {
		if id := build(t, store, dir, opts); id != first {
			t.Fatalf("build gave %s, first build %s", id, first)
		}
	}
}

// Bad input fails with a message naming it, no panic, and leaves no
// working container behind.
func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile, ignore, want string
	}{
		{"md5 checksum", "FROM scratch\nADD --checksum=md5:d41d8cd98f00b204e9800998ecf8427e http://127.0.0.1:1/x /x\n", "",
			`Dockerfile:2: ADD: --checksum "md5:d41d8cd98f00b204e9800998ecf8427e": unsupported digest algorithm`},
		{"bad checksum", "FROM scratch\nADD --checksum=sha256:abc http://127.0.0.1:1/x /x\n", "",
			`Dockerfile:2: ADD: --checksum "sha256:abc": invalid checksum digest length`},
		{"ignore bracket", "FROM scratch\nCOPY . /\n", "# comment\n\n[\n", `.dockerignore:3: bad pattern "["`},
		{"ignore a bracket", "FROM scratch\nCOPY . /\n", "a[\n", `.dockerignore:1: bad pattern "a["`},
		{"empty FROM", "FROM ${NOPE}\n", "", `Dockerfile:1: FROM ${NOPE}: base name expands to nothing`},
		{"chown out of range", "FROM scratch\nCOPY --chown=99999999999 Dockerfile /\n", "", `Dockerfile:2: COPY: parse --chown "99999999999": ID 99999999999 out of range 0-4294967294`},
		{"chown negative", "FROM scratch\nCOPY --chown=1:-5 Dockerfile /\n", "", `Dockerfile:2: COPY: parse --chown "1:-5": ID -5 out of range 0-4294967294`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "Dockerfile", tc.dockerfile, 0o644)
			if tc.ignore != "" {
				write(t, dir, ".dockerignore", tc.ignore, 0o644)
			}
			store := storetest.New(t)
			_, err := Build(context.Background(), store, Options{ContextDir: dir})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if cs, _ := store.Containers(); len(cs) != 0 {
				t.Errorf("%d containers left behind", len(cs))
			}
		})
	}
}

func imageConfig(t *testing.T, store cstorage.Store, id string) ispec.Image {
	t.Helper()
	ref, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		t.Fatal(err)
	}
	img, err := ref.NewImage(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return *cfg
}

// A base image's trigger that is no instruction is reported as such.
func TestBadOnBuildTrigger(t *testing.T) {
	ctx := context.Background()
	store := storetest.New(t)
	c, err := container.From(ctx, store, nil, "scratch", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(state.OnBuild("# only a comment")); err != nil {
		t.Fatal(err)
	}
	if _, err := commit.Commit(ctx, c, "localhost/triggers", commit.Options{Format: commit.FormatDocker}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM localhost/triggers\n", 0o644)
	_, err = Build(ctx, store, Options{ContextDir: dir})
	want := `Dockerfile:1: ONBUILD "# only a comment": file with no instructions`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

// ENTRYPOINT drops the base image's CMD unless the stage set one; a build
// whose last steps only configure adds no empty layer and no history entry
// without created_by.
func TestEntrypointAndFinalCommit(t *testing.T) {
	ctx := context.Background()
	store := storetest.New(t)
	c, err := container.From(ctx, store, nil, "scratch", container.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(state.Cmd([]string{"sh"})); err != nil {
		t.Fatal(err)
	}
	if _, err := commit.Commit(ctx, c, "localhost/withcmd", commit.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dockerfile, want string }{
		{"FROM localhost/withcmd\nENTRYPOINT [\"/x\"]\n", "[/x] []"},
		{"FROM localhost/withcmd\nCMD [\"c\"]\nENTRYPOINT [\"/x\"]\n", "[/x] [c]"},
		{"FROM localhost/withcmd\nENTRYPOINT [\"/x\"]\nCMD [\"c\"]\n", "[/x] [c]"},
	} {
		dir := t.TempDir()
		write(t, dir, "Dockerfile", tc.dockerfile, 0o644)
		cfg := imageConfig(t, store, build(t, store, dir, Options{}))
		if got := fmt.Sprint(cfg.Config.Entrypoint, " ", cfg.Config.Cmd); got != tc.want {
			t.Errorf("%q: entrypoint and cmd %s, want %s", tc.dockerfile, got, tc.want)
		}
		if n := len(cfg.RootFS.DiffIDs); n != 1 {
			t.Errorf("%q: %d layers, want the base's 1", tc.dockerfile, n)
		}
		for _, h := range cfg.History[2:] { // after the base's CMD and layer entries
			if h.CreatedBy == "" {
				t.Errorf("%q: history entry without created_by: %+v", tc.dockerfile, h)
			}
		}
	}
}

// buildah takes a stage named with a "/" (FROM x AS platform-arm/v7, then
// FROM platform-$TARGETARCH$TARGETVARIANT); buildkit's parser alone does not.
func TestStageNameWithSlash(t *testing.T) {
	dir := busyboxContext(t, "FROM scratch AS platform-arm/v7\nCOPY busybox /bb\nFROM platform-arm/v7 AS last\nLABEL x=y\n")
	store := storetest.New(t)
	build(t, store, dir, Options{})
	build(t, store, dir, Options{Target: "platform-arm/v7"})
}

func TestBuildahMountOptions(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []map[string]bool
	}{
		{"none", "RUN ls", nil},
		{"empty", "", nil},
		{"tmpcopyup", "RUN --mount=type=tmpfs,target=/etc/ssl,tmpcopyup ls /etc/ssl", []map[string]bool{{"tmpcopyup": true}}},
		{"second mount", "RUN --network=none --mount=type=cache,target=/c --mount=type=bind,target=/b,z,U ls --mount=x,tmpcopyup",
			[]map[string]bool{{}, {"z": true, "U": true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := buildahMountOptions(tc.text); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("buildahMountOptions(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}
