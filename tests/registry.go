package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Credentials of the TLS registry's one user.
const (
	registryUser     = "hod"
	registryPassword = "hod-test-password"
)

// registry is a running docker-registry (Debian's "docker-registry").
type registry struct {
	Addr    string
	Log     string
	Data    string // its storage directory, for tests that corrupt a blob
	CertDir string // set for TLS: holds ca.crt, as --cert-dir expects
	cmd     *exec.Cmd
}

// startRegistry starts a registry on a free loopback port and waits until
// it answers /v2/. With secure, it serves TLS with a certificate made here
// and requires htpasswd authentication.
func startRegistry(dir string, secure bool) (*registry, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	r := &registry{Addr: addr, Log: filepath.Join(dir, "registry.log"), Data: filepath.Join(dir, "data")}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", r.Data, addr)
	if secure {
		extra, err := r.secure(dir)
		if err != nil {
			return nil, err
		}
		cfg += extra
	}
	cfgPath := filepath.Join(dir, "config.yml")
	if err := writeFile(cfgPath, []byte(cfg)); err != nil {
		return nil, err
	}
	logFile, err := os.Create(r.Log)
	if err != nil {
		return nil, err
	}
	r.cmd = exec.Command("docker-registry", "serve", cfgPath)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start docker-registry (install docker-registry): %w", err)
	}
	if err := r.wait(); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// wait polls /v2/ (never sleeps blindly): any HTTP answer, 401 included,
// means the registry is up.
func (r *registry) wait() error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // readiness probe of our own test server
	scheme := "http"
	if r.CertDir != "" {
		scheme = "https"
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := client.Get(scheme + "://" + r.Addr + "/v2/"); err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return fmt.Errorf("docker-registry on %s did not answer", r.Addr)
}

// secure writes a self-signed certificate for 127.0.0.1 and an htpasswd
// file, and returns the registry configuration that uses them.
func (r *registry) secure(dir string) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	r.CertDir = filepath.Join(dir, "certs")
	// The registry checks the password on every request: the lowest cost
	// keeps a build that pushes dozens of cache images from spending
	// seconds in bcrypt (a throw-away test password needs no more).
	hash, err := bcrypt.GenerateFromPassword([]byte(registryPassword), bcrypt.MinCost)
	if err != nil {
		return "", err
	}
	for path, data := range map[string][]byte{
		filepath.Join(dir, "cert.pem"):     cert,
		filepath.Join(dir, "key.pem"):      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		filepath.Join(r.CertDir, "ca.crt"): cert,
		filepath.Join(dir, "htpasswd"):     []byte(registryUser + ":" + string(hash) + "\n"),
	} {
		if err := writeFile(path, data); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\nauth:\n  htpasswd:\n    realm: hod-tests\n    path: %s\n",
		filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "htpasswd")), nil
}

// Stop stops the registry by its PID.
func (r *registry) Stop() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}
