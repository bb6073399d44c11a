package transfer

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"syscall"
	"time"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/docker"
)

// withRetries runs f, and runs it again up to retries times, delay apart,
// while it fails in a way that may pass (transient): a typo in a name or a
// refused login fails at once, as buildah's --retry does.
func withRetries(ctx context.Context, what string, retries int, delay time.Duration, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt >= retries || ctx.Err() != nil || !transient(err) {
			return err
		}
		logrus.Warnf("%s: %v; retrying in %s", what, err, delay)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// transientErrnos are the network failures a retry may get past.
var transientErrnos = []syscall.Errno{
	syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.ETIMEDOUT, syscall.EPIPE,
	syscall.ENETDOWN, syscall.ENETUNREACH, syscall.ENETRESET, syscall.EHOSTDOWN, syscall.EHOSTUNREACH,
	syscall.EAGAIN, syscall.EINTR,
}

// transient says whether err, from talking to a registry, may go away:
// network failures and timeouts, a connection closed early, 408, 429 and
// 5xx answers, and registry errors other than those about names and
// rights.
func transient(err error) bool {
	var list errcode.Errors
	if errors.As(err, &list) && len(list) > 0 {
		return !slices.ContainsFunc(list, func(e error) bool { return !transient(e) })
	}
	var coded errcode.Error
	if errors.As(err, &coded) {
		switch coded.Code {
		case errcode.ErrorCodeUnauthorized, errcode.ErrorCodeDenied, v2.ErrorCodeNameUnknown, v2.ErrorCodeManifestUnknown,
			v2.ErrorCodeNameInvalid, v2.ErrorCodeTagInvalid, v2.ErrorCodeManifestInvalid, v2.ErrorCodeDigestInvalid:
			return false
		}
		return true
	}
	var status docker.UnexpectedHTTPStatusError
	if errors.As(err, &status) {
		return status.StatusCode == http.StatusRequestTimeout || status.StatusCode == http.StatusTooManyRequests || status.StatusCode >= 500
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return slices.Contains(transientErrnos, errno)
	}
	var netErr net.Error
	return errors.Is(err, docker.ErrTooManyRequests) || errors.As(err, &netErr) && netErr.Timeout() ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
