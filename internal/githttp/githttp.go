// Package githttp serves git's smart HTTP protocol for tests: "git
// http-backend" behind Go's net/http/cgi, on 127.0.0.1, with basic auth.
// Every repo under Root is served (fetch and push) to a client that gives
// User and Password; any other gets 401.
//
// Fail lets a test make the server answer a path with an HTTP status of
// its choosing (403, 404, 500, ...), and Stop ends the server and every
// request still running, as a host going down does. Hang is a host that
// accepts connections and never answers.
package githttp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cgi"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options tune a server.
type Options struct {
	// User and Password are the basic-auth credentials; "" means
	// "deployer" and "s3cret".
	User, Password string
	// TLSDir, when set, makes the server speak HTTPS with a certificate
	// for 127.0.0.1 made for it, whose PEM goes to TLSDir/ca.pem (CAFile):
	// a client trusts it with GIT_SSL_CAINFO or http.sslCAInfo.
	TLSDir string
}

// Server is one running smart HTTP server.
type Server struct {
	URL            string // http://127.0.0.1:PORT, no trailing slash
	Root           string // GIT_PROJECT_ROOT: repos are served by their path under it
	User, Password string
	CAFile         string // with Options.TLSDir: the certificate to trust

	srv     *http.Server
	l       net.Listener
	backend string

	mu   sync.Mutex
	fail map[string]int // path prefix -> status
	hits int
}

// New starts a server for the repos under root and stops it at t's cleanup.
func New(t testing.TB, root string, opts Options) *Server {
	t.Helper()
	s, err := Start(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts a server for the repos under root.
func Start(root string, opts Options) (*Server, error) {
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("githttp: git --exec-path: %w", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		return nil, fmt.Errorf("githttp: %w", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + l.Addr().String(), Root: root, User: opts.User, Password: opts.Password,
		l: l, backend: backend, fail: map[string]int{}}
	if opts.TLSDir != "" {
		cert, pemFile, err := selfSigned(opts.TLSDir)
		if err != nil {
			l.Close()
			return nil, err
		}
		s.URL, s.CAFile = "https://"+l.Addr().String(), pemFile
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		s.l = l
	}
	if s.User == "" {
		s.User = "deployer"
	}
	if s.Password == "" {
		s.Password = "s3cret"
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// RepoURL is the URL of path (relative to Root) without credentials.
func (s *Server) RepoURL(path string) string {
	return s.URL + "/" + strings.TrimPrefix(filepath.ToSlash(path), "/")
}

// AuthURL is RepoURL with User and Password in it.
func (s *Server) AuthURL(path string) string {
	u, _ := url.Parse(s.RepoURL(path))
	u.User = url.UserPassword(s.User, s.Password)
	return u.String()
}

// Fail makes every request whose path starts with prefix (e.g. "/a.git")
// answer status; 0 undoes it.
func (s *Server) Fail(prefix string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.fail, prefix)
		return
	}
	s.fail[prefix] = status
}

// Hits is the number of requests served so far.
func (s *Server) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits++
	status := 0
	for p, st := range s.fail {
		if strings.HasPrefix(r.URL.Path, p) {
			status = st
		}
	}
	s.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(s.User)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.Password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	h := &cgi.Handler{
		Path: s.backend,
		Root: "/",
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.Root,
			"GIT_HTTP_EXPORT_ALL=1",
			"REMOTE_USER=" + user, // lets http-backend accept pushes
			"GIT_CONFIG_NOSYSTEM=1",
			"HOME=" + s.Root,
		},
		Stderr: io.Discard,
	}
	h.ServeHTTP(w, r)
}

// Stop closes the listener and every open connection at once, as a host
// going down does; a running http-backend is ended by net/http/cgi when
// its request goes. Stopping twice is harmless.
func (s *Server) Stop() {
	_ = s.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// selfSigned makes a key and a certificate for 127.0.0.1, valid for a
// day, and writes the certificate to dir/ca.pem.
func selfSigned(dir string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "githttp test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tls.Certificate{}, "", err
	}
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, "", err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file, nil
}
