package run

import "testing"

func TestParseValues(t *testing.T) {
	for in, want := range map[string]Network{"": NetworkPrivate, "default": NetworkPrivate, "none": NetworkNone, "host": NetworkHost} {
		if got, err := ParseNetwork(in); err != nil || got != want {
			t.Errorf("ParseNetwork(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseNetwork("bridge0"); err == nil {
		t.Error("ParseNetwork(bridge0) accepted")
	}
}

func TestParseLimits(t *testing.T) {
	rl, err := ParseUlimit("nofile=100:200")
	if err != nil || rl.Type != "RLIMIT_NOFILE" || rl.Soft != 100 || rl.Hard != 200 {
		t.Errorf("ParseUlimit = %+v, %v", rl, err)
	}
	if line, err := ParseAddHost("db:10.1.2.3"); err != nil || line != "10.1.2.3\tdb" {
		t.Errorf("ParseAddHost = %q, %v", line, err)
	}
	r, err := ParseResources("64m", "-1", 512, 0, 0, "0-1", "")
	if err != nil || *r.Memory.Limit != 64<<20 || *r.Memory.Swap != -1 || *r.CPU.Shares != 512 || r.CPU.Cpus != "0-1" {
		t.Errorf("ParseResources = %+v, %v", r, err)
	}
	if r, err := ParseResources("", "", 0, 0, 0, "", ""); r != nil || err != nil {
		t.Errorf("no limits gave %+v, %v", r, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := ParseUlimit("nofile=abc"); return err },
		func() error { _, err := ParseUlimit("nosuch=1"); return err },
		func() error { _, err := ParseAddHost("db:notanip"); return err },
		func() error { _, err := ParseResources("lots", "", 0, 0, 0, "", ""); return err },
		func() error { _, err := (Limits{ShmSize: "-5"}).shmOption(); return err },
	} {
		if bad() == nil {
			t.Error("bad input accepted")
		}
	}
}

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]Device{
		"/dev/fuse":          {"/dev/fuse", "/dev/fuse", "rwm"},
		"/dev/null:/dev/x":   {"/dev/null", "/dev/x", "rwm"},
		"/dev/null:/dev/x:r": {"/dev/null", "/dev/x", "r"},
		"/dev/null::rw":      {"/dev/null", "/dev/null", "rw"},
	} {
		if got, err := ParseDevice(in); err != nil || got != want {
			t.Errorf("ParseDevice(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"dev/null", "/dev/null:x", "/dev/null:/x:rwx", "/a:/b:r:extra"} {
		if _, err := ParseDevice(bad); err == nil {
			t.Errorf("ParseDevice(%q) accepted", bad)
		}
	}
}
