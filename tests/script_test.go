package tests

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// shared is what TestMain prepares once for every script.
var shared struct {
	bin     string    // directory holding the hod binary
	busybox string    // OCI layout of the busybox fixture
	plain   *registry // plain-HTTP registry, nil without docker-registry
	secure  *registry // TLS registry with htpasswd auth
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "hod-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if err := setup(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "tests setup:", err)
		return 1
	}
	for _, r := range []*registry{shared.plain, shared.secure} {
		if r != nil {
			defer r.Stop()
		}
	}
	return m.Run()
}

func setup(tmp string) (err error) {
	shared.bin = filepath.Join(tmp, "bin")
	if bin := os.Getenv("HOD_BINARY"); bin != "" {
		shared.bin = filepath.Dir(bin)
	} else {
		// The front (static) and the full binary it hands calls to.
		for _, name := range []string{"hod", "hod-full"} {
			build := exec.Command("go", "build", "-tags", "exclude_graphdriver_btrfs", "-o", filepath.Join(shared.bin, name), "../cmd/"+name)
			build.Env = append(os.Environ(), "CGO_ENABLED="+map[string]string{"hod": "0", "hod-full": "1"}[name])
			build.Stdout, build.Stderr = os.Stderr, os.Stderr
			if err := build.Run(); err != nil {
				return fmt.Errorf("build %s: %w", name, err)
			}
		}
	}
	shared.busybox = filepath.Join(tmp, "busybox")
	if err := writeBusyboxLayout(shared.busybox, "/bin/busybox"); err != nil {
		return err
	}
	if _, err := exec.LookPath("docker-registry"); err != nil {
		return nil
	}
	if shared.plain, err = startRegistry(filepath.Join(tmp, "registry"), false); err != nil {
		return err
	}
	shared.secure, err = startRegistry(filepath.Join(tmp, "registry-tls"), true)
	return err
}

func TestScripts(t *testing.T) {
	testscript.Run(t, params("testdata", ""))
}

// TestRunScripts runs the scripts of testdata/run once per isolation.
func TestRunScripts(t *testing.T) {
	for _, isolation := range []string{"oci", "chroot"} {
		t.Run(isolation, func(t *testing.T) {
			testscript.Run(t, params("testdata/run", isolation))
		})
	}
}

func params(dir, isolation string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			if isolation != "" {
				env.Setenv("HOD_ISOLATION", isolation)
			}
			return setupScript(env)
		},
		Condition: condition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"rc":        cmdRC,
			"mktar":     cmdMktar,
			"httpserve": cmdHTTPServe,
			"sockserve": cmdSockServe,
			"jsonkeys":  cmdJSONKeys,
			"newstore":  cmdNewStore,
		},
	}
}

// setupScript gives every script its own store (through a storage.conf
// that hod, skopeo and buildah all read), hod on PATH, and the fixtures.
func setupScript(env *testscript.Env) error {
	work := env.WorkDir
	conf, err := writeStorageConf(work, "")
	if err != nil {
		return err
	}
	env.Setenv("CONTAINERS_STORAGE_CONF", conf)
	env.Setenv("PATH", shared.bin+string(os.PathListSeparator)+env.Getenv("PATH"))
	env.Setenv("BUSYBOX", shared.busybox)
	xdg := filepath.Join(work, ".xdg")
	if err := os.Mkdir(xdg, 0o700); err != nil {
		return err
	}
	env.Setenv("XDG_RUNTIME_DIR", xdg)
	if r := shared.plain; r != nil {
		env.Setenv("REGISTRY", r.Addr)
		env.Setenv("REGISTRY_LOG", r.Log)
		env.Setenv("REGISTRY_DATA", r.Data)
	}
	if r := shared.secure; r != nil {
		env.Setenv("TLS_REGISTRY", r.Addr)
		env.Setenv("TLS_REGISTRY_LOG", r.Log)
		env.Setenv("CERT_DIR", r.CertDir)
		env.Setenv("REG_USER", registryUser)
		env.Setenv("REG_PASS", registryPassword)
	}
	env.Setenv("HOME", work)
	env.Defer(func() { unmountUnder(work) })
	return nil
}

// writeStorageConf writes the storage.conf of an overlay store under work:
// .root and .run, or .NAME-root and .NAME-run.
func writeStorageConf(work, name string) (string, error) {
	prefix := "."
	if name != "" {
		prefix += name + "-"
	}
	conf := filepath.Join(work, prefix+"storage.conf")
	text := fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n", filepath.Join(work, prefix+"root"), filepath.Join(work, prefix+"run"))
	return conf, os.WriteFile(conf, []byte(text), 0o644)
}

// cmdNewStore is "newstore NAME": the commands after it use a new, empty
// store (another machine), until "newstore" without a name goes back to
// the script's own.
func cmdNewStore(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: newstore [NAME]")
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	conf, err := writeStorageConf(ts.Getenv("WORK"), name)
	ts.Check(err)
	ts.Setenv("CONTAINERS_STORAGE_CONF", conf)
}

// unmountUnder lazily unmounts everything mounted below dir (deepest
// first), so a script's overlay mounts never keep its directory busy.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		_ = syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}

func condition(cond string) (bool, error) {
	switch cond {
	case "root":
		return os.Geteuid() == 0, nil
	case "registry":
		return shared.plain != nil, nil
	case "runc":
		_, err := exec.LookPath("runc")
		return err == nil, nil
	case "hostip":
		return hostIP() != "", nil
	case "dns":
		_, err := net.LookupHost("deb.debian.org")
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// cmdRC runs a program and asserts its exact exit status:
//
//	rc 125 hod from nosuchimage
func cmdRC(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: rc N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("rc: bad status %q", args[0])
	}
	cmd := exec.Command(lookPath(ts, args[1]), args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = scriptEnv(ts)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	got := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		got = exit.ExitCode()
	} else if err != nil {
		ts.Fatalf("rc: %v", err)
	}
	// Written through ts so stdout/stderr assertions see them.
	fmt.Fprint(ts.Stdout(), stdout.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
	if got != want {
		ts.Fatalf("rc: %s exited %d, want %d\n%s", args[1], got, want, stderr.String())
	}
}

// lookPath finds a program on the script's PATH, not the test's.
func lookPath(ts *testscript.TestScript, name string) string {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return name
}

// overridden are the variables setupScript sets for every script.
var overridden = []string{"PATH", "HOME", "CONTAINERS_STORAGE_CONF", "BUSYBOX", "REGISTRY", "WORK", "TMPDIR", "SOURCE_DATE_EPOCH", "HOD_ISOLATION", "XDG_RUNTIME_DIR", "REGISTRY_LOG", "REGISTRY_DATA", "TLS_REGISTRY", "CERT_DIR"}

func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(overridden, k) {
			env = append(env, kv)
		}
	}
	for _, k := range overridden {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// cmdMktar writes a tar archive from entry specs, to build hostile archives
// that the tar program refuses to make:
//
//	mktar evil.tar ../../x.txt=content link->/ hard=>/etc/passwd dir/
func cmdMktar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mktar FILE ENTRY...")
	}
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	tw := tar.NewWriter(f)
	for _, spec := range args[1:] {
		ts.Check(writeSpec(tw, spec))
	}
	ts.Check(tw.Close())
	ts.Check(f.Close())
}

func writeSpec(tw *tar.Writer, spec string) error {
	hdr := &tar.Header{Mode: 0o644, ModTime: time.Unix(0, 0)}
	var body string
	if name, target, ok := strings.Cut(spec, "->"); ok {
		hdr.Name, hdr.Typeflag, hdr.Linkname, hdr.Mode = name, tar.TypeSymlink, target, 0o777
	} else if name, target, ok := strings.Cut(spec, "=>"); ok {
		hdr.Name, hdr.Typeflag, hdr.Linkname = name, tar.TypeLink, target
	} else if name, content, ok := strings.Cut(spec, "="); ok {
		hdr.Name, hdr.Typeflag, hdr.Size, body = name, tar.TypeReg, int64(len(content)), content
	} else {
		hdr.Name, hdr.Typeflag, hdr.Mode = spec, tar.TypeDir, 0o755
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := io.WriteString(tw, body)
	return err
}

// cmdHTTPServe serves a directory of the script on a loopback port until
// the script ends, and sets $URL to its address:
//
//	httpserve files
func cmdHTTPServe(ts *testscript.TestScript, neg bool, args []string) {
	addr := "127.0.0.1"
	if len(args) == 2 && args[0] == "-external" {
		addr, args = hostIP(), args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: httpserve [-external] DIR")
	}
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	ts.Check(err)
	srv := &http.Server{Handler: http.FileServer(http.Dir(ts.MkAbs(args[0])))}
	go srv.Serve(l) //nolint:errcheck // ends with Close
	ts.Defer(func() { srv.Close() })
	ts.Setenv("URL", "http://"+l.Addr().String())
}

// cmdSockServe listens on a Unix socket until the script ends, standing in
// for an SSH agent:
//
//	sockserve agent.sock
func cmdSockServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sockserve PATH")
	}
	l, err := net.Listen("unix", ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Defer(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// cmdJSONKeys prints the keys of a JSON object in FILE, one a line, and of
// the objects under the given top-level keys as KEY.SUB: "jsonkeys FILE [KEY...]".
func cmdJSONKeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: jsonkeys FILE [KEY...]")
	}
	var doc map[string]json.RawMessage
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc))
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	for _, top := range args[1:] {
		var sub map[string]json.RawMessage
		ts.Check(json.Unmarshal(doc[top], &sub))
		for k := range sub {
			keys = append(keys, top+"."+k)
		}
	}
	slices.Sort(keys)
	fmt.Fprintln(ts.Stdout(), strings.Join(keys, "\n"))
}

// hostIP is this machine's first non-loopback IPv4 address: what a run's
// private network reaches through slirp4netns ("" if there is none).
func hostIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}
