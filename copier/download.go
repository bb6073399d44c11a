package copier

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"time"

	"github.com/opencontainers/go-digest"
)

var timeZero time.Time

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// download fetches a URL into a temporary file, checking opts.Checksum.
// Downloads get mode 0600 and the server's Last-Modified time, as in Docker.
func (s *tarSource) download(rawURL string) (item, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return item{}, fmt.Errorf("download %s: %w", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return item{}, fmt.Errorf("download %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return item{}, fmt.Errorf("download %s: %s", rawURL, resp.Status)
	}
	f, err := os.CreateTemp("", "hod-add-")
	if err != nil {
		return item{}, err
	}
	s.temps = append(s.temps, f.Name())
	algo := digest.Canonical
	if s.opts.Checksum != "" {
		algo = s.opts.Checksum.Algorithm()
	}
	digester := algo.Digester()
	_, err = io.Copy(io.MultiWriter(f, digester.Hash()), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return item{}, fmt.Errorf("download %s: %w", rawURL, err)
	}
	if got := digester.Digest(); s.opts.Checksum != "" && got != s.opts.Checksum {
		return item{}, fmt.Errorf("download %s: checksum %s, want %s", rawURL, got, s.opts.Checksum)
	}
	if mtime, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		_ = os.Chtimes(f.Name(), mtime, mtime)
	}
	u, _ := url.Parse(rawURL)
	return item{path: f.Name(), name: path.Base(u.Path), mode: 0o600}, nil
}
