package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
)

// Both faces of containers/storage's staging race are retried; other
// errors are not.
func TestIsStagingRace(t *testing.T) {
	for err, want := range map[error]bool{
		fmt.Errorf("write layer: %w", &os.LinkError{Op: "rename", Old: "/s/overlay-layers/tmp/temp-dir-1/0-addition", New: "/s/x", Err: fs.ErrNotExist}): true,
		errors.New("write layer: unpacking failed (error: exit status 1; output: open /f: no such file or directory)"):                                   true,
		fmt.Errorf("write layer: %w", &fs.PathError{Op: "open", Path: "/s/layer", Err: fs.ErrNotExist}):                                                  false,
		errors.New("unpacking failed (error: exit status 1; output: no space left on device)"):                                                           false,
		nil: false,
	} {
		if got := IsStagingRace(err); got != want {
			t.Errorf("IsStagingRace(%v) = %v, want %v", err, got, want)
		}
	}
	tries := 0
	err := RetryStagingRace("x", func() error { tries++; return errors.New("unpacking failed: no such file or directory") })
	if err == nil || tries != 3 {
		t.Errorf("%d tries, %v; want 3 and the error", tries, err)
	}
}
