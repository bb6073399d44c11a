package transfer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"github.com/hodbuild/hod/storage"
	"go.podman.io/image/v5/docker"
)

func TestTransient(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v2/", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("pinging container registry: %w", refused), true},
		{"timeout", &net.DNSError{Err: "i/o timeout", IsTimeout: true}, true},
		{"429", docker.ErrTooManyRequests, true},
		{"503", fmt.Errorf("reading blob: %w", docker.UnexpectedHTTPStatusError{StatusCode: 503}), true},
		{"registry unavailable", errcode.ErrorCodeUnavailable.WithMessage("busy"), true},
		{"404 status", docker.UnexpectedHTTPStatusError{StatusCode: 404}, false},
		{"manifest unknown", fmt.Errorf("reading manifest: %w", errcode.Errors{v2.ErrorCodeManifestUnknown.WithMessage("x")}), false},
		{"unauthorized", errcode.ErrorCodeUnauthorized.WithMessage("no"), false},
		{"bad credentials", docker.ErrUnauthorizedForCredentials{Err: errors.New("401")}, false},
		{"invalid reference", errors.New("invalid reference format"), false},
		{"image not known", fmt.Errorf("x: %w", storage.ErrImageNotFound), false},
		{"no such host", &net.DNSError{Err: "no such host", IsNotFound: true}, false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("%s (%v): transient %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// A transient failure is tried retries more times; a final one once.
func TestWithRetries(t *testing.T) {
	for _, c := range []struct {
		err   error
		calls int
	}{{syscall.ECONNRESET, 3}, {errors.New("invalid reference format"), 1}} {
		calls := 0
		err := withRetries(context.Background(), "pull x", 2, 0, func() error { calls++; return c.err })
		if !errors.Is(err, c.err) || calls != c.calls {
			t.Errorf("%v: %d calls (error %v), want %d", c.err, calls, err, c.calls)
		}
	}
}
