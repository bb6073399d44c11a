package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// parallel runs f(0..n-1) at once and reports each failure.
func parallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("#%d: %v", i, err)
		}
	}
}

func (h *hodEnv) try(args ...string) (string, error) {
	out, errs, code := h.run(args...)
	if code != 0 {
		return out, fmt.Errorf("hod %s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errs))
	}
	return out, nil
}

// 16 from → copy → commit pipelines at once on one store, five rounds:
// every one succeeds and every image holds its own file.
func TestConcurrentPipelines(t *testing.T) {
	h := newHodEnv(t)
	for round := range 5 {
		parallel(t, 16, func(i int) error {
			src := filepath.Join(h.dir, fmt.Sprintf("f-%d-%d", round, i))
			if err := os.WriteFile(src, []byte(src), 0o644); err != nil {
				return err
			}
			ctr, err := h.try("from", "scratch")
			if err != nil {
				return err
			}
			if _, err := h.try("copy", ctr, src, "/f"); err != nil {
				return err
			}
			_, err = h.try("commit", "-q", "--rm", ctr, fmt.Sprintf("localhost/p%d-%d", round, i))
			return err
		})
	}
	if t.Failed() {
		return
	}
	for _, name := range []string{"localhost/p0-0", "localhost/p2-7", "localhost/p4-15"} {
		ctr := h.must("from", name)
		mnt := h.must("mount", ctr)
		data, err := os.ReadFile(filepath.Join(mnt, "f"))
		round, i := 0, 0
		fmt.Sscanf(strings.TrimPrefix(name, "localhost/p"), "%d-%d", &round, &i)
		if want := filepath.Join(h.dir, fmt.Sprintf("f-%d-%d", round, i)); err != nil || string(data) != want {
			t.Errorf("%s holds %q (%v), want %q", name, data, err, want)
		}
	}
	if n := len(strings.Fields(h.must("images", "-q"))); n != 80 {
		t.Errorf("%d images, want 80", n)
	}
	h.checkReachable()
	h.checkNoTemp()
}

// Eight commits of one container at once all succeed, and give one image
// (the same changes, the same configuration).
func TestConcurrentCommitsOfOneContainer(t *testing.T) {
	h := newHodEnv(t)
	ctr := h.must("from", "oci:"+shared.busybox+":latest")
	h.must("config", "--created-by", "fixed", ctr)
	src := filepath.Join(h.dir, "data")
	if err := os.WriteFile(src, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	h.must("copy", ctr, src, "/data")
	ids := make([]string, 8)
	parallel(t, 8, func(i int) error {
		var err error
		ids[i], err = h.try("commit", "-q", "--timestamp", "0", ctr, fmt.Sprintf("localhost/one%d", i))
		return err
	})
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Errorf("commits gave %v, want one image", ids)
			break
		}
	}
	h.checkReachable()
	h.checkNoTemp()
}

// Sixteen runs in one container at once all succeed, and each one's
// change is there afterwards.
func TestConcurrentRuns(t *testing.T) {
	h := newHodEnv(t)
	ctr := h.must("from", "oci:"+shared.busybox+":latest")
	parallel(t, 16, func(i int) error {
		_, err := h.try("run", "--network", "none", ctr, "--", "sh", "-c", fmt.Sprintf("echo %d > /out-%d", i, i))
		return err
	})
	out := h.must("run", "--network", "none", ctr, "--", "sh", "-c", "cat /out-*")
	if n := len(strings.Fields(out)); n != 16 {
		t.Errorf("%d of 16 runs left their file: %q", n, out)
	}
	h.must("rm", ctr)
	h.checkNoTemp()
}

// rm right after a run starts (issue 20 item 5) stops the command however
// far the run got, and removes the container; nothing keeps running.
func TestRmStopsAStartingRun(t *testing.T) {
	h := newHodEnv(t)
	for i, delay := range []time.Duration{0, 50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond} {
		ctr := h.must("from", "oci:"+shared.busybox+":latest")
		marker := fmt.Sprintf("%d", 7700+i)
		run := h.cmd(nil, "run", "--network", "none", ctr, "--", "sleep", marker)
		if err := run.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		start := time.Now()
		if _, errs, code := h.run("rm", ctr); code != 0 {
			t.Errorf("rm %v after the run started: exit %d: %s", delay, code, errs)
		}
		waited := make(chan error, 1)
		go func() { waited <- run.Wait() }()
		select {
		case <-waited:
		case <-time.After(15 * time.Second):
			t.Errorf("rm %v after the run started: the run still goes on after 15 s", delay)
			_ = run.Process.Kill()
		}
		if took := time.Since(start); took > 8*time.Second {
			t.Errorf("rm %v after the run started took %v", delay, took)
		}
		if out, _ := exec.Command("pgrep", "-f", "^sleep "+marker+"$").Output(); len(out) > 0 {
			t.Errorf("rm %v after the run started: sleep %s still runs (pid %s)", delay, marker, strings.TrimSpace(string(out)))
			_ = exec.Command("pkill", "-KILL", "-f", "^sleep "+marker+"$").Run()
		}
	}
	h.checkNoTemp()
}

// 24 configs of one container at once, half served by the front and half
// by the full binary: each is read, changed and written under the
// container store's lock, so every label lands (a config reading the
// state while another writes it lost that one's change before).
func TestConcurrentConfigs(t *testing.T) {
	h := newHodEnv(t)
	ctr := strings.TrimSpace(h.must("from", "scratch"))
	binaries := []string{filepath.Join(shared.bin, "hod"), filepath.Join(shared.bin, "hod-full")}
	parallel(t, 24, func(i int) error {
		c := exec.Command(binaries[i%2], "config", "--label", fmt.Sprintf("k%d=v", i), ctr)
		c.Env, c.Dir = h.env, h.dir
		if out, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("config #%d: %v: %s", i, err, out)
		}
		return nil
	})
	labels := strings.Fields(h.must("inspect", "--format", "{{range $k, $v := .OCIv1.Config.Labels}}{{$k}} {{end}}", ctr))
	for i := range 24 {
		if !slices.Contains(labels, fmt.Sprintf("k%d", i)) {
			t.Errorf("label k%d lost: %s", i, labels)
		}
	}
}

// A config racing rm of its container either lands before the removal or
// fails: it never writes the container's directory back into being. The
// config waits between reading the state and writing it (a failpoint),
// and rm comes in that window, through the front and the full binary.
func TestConfigRacingRm(t *testing.T) {
	h := newHodEnv(t)
	for _, binary := range []string{"hod", "hod-full"} {
		ctr := strings.TrimSpace(h.must("from", "--name", "r-"+binary, "scratch"))
		id := strings.TrimSpace(h.must("inspect", "--format", "{{.ContainerID}}", ctr))
		c := exec.Command(filepath.Join(shared.bin, binary), "config", "--label", "k=v", id)
		c.Env, c.Dir = append(append([]string{}, h.env...), "HOD_FAILPOINT=config-before-write:sleep"), h.dir
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		h.must("rm", ctr)
		_ = c.Wait()
		if _, err := os.Stat(filepath.Join(h.root, "overlay-containers", id)); err == nil {
			t.Errorf("%s: the removed container's directory is back", binary)
		}
	}
}
