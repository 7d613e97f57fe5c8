package testbed

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"github.com/jetwayhq/jetway/bench/wire"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long a backend takes to report its address.
	startTimeout = 10 * time.Second
	// bindRetries is how many times a backend restarting on a fixed address
	// tries again while the old socket is still bound.
	bindRetries    = 20
	bindRetryPause = 50 * time.Millisecond
)

// BackendOptions configure a jetway-backend process.
type BackendOptions struct {
	Name        string        // -name; default: the bound address
	Addr        string        // -listen; default: a free 127.0.0.1 port
	IdleTimeout time.Duration // -idle-timeout; 0 keeps the backend's 60 s
	TLSCert     string        // -tls-cert; serves HTTPS with TLSKey
	TLSKey      string        // -tls-key
	ClientCA    string        // -client-ca; requires client certificates
}

// Backend is a running jetway-backend. Its methods must not run
// concurrently with Restart.
type Backend struct {
	Addr string // host:port it listens on
	Name string // its name, as in the X-Backend header
	Cmd  *exec.Cmd

	opts BackendOptions
	proc *Process
}

// StartBackend builds and starts jetway-backend, waits until it listens, and
// registers a cleanup that stops it.
func StartBackend(t testing.TB, opts BackendOptions) *Backend {
	t.Helper()
	b := &Backend{opts: opts}
	if opts.Addr == "" {
		b.opts.Addr = "127.0.0.1:0"
	}
	b.start(t)
	return b
}

// Restart stops the backend if it is running and starts it again on the
// same address with the same options.
func (b *Backend) Restart(t testing.TB) {
	t.Helper()
	b.proc.Stop()
	b.opts.Addr = b.Addr
	b.opts.Name = b.Name
	b.start(t)
}

func (b *Backend) start(t testing.TB) {
	t.Helper()
	bin := Binary(t, BackendPackage)
	args := []string{"-listen", b.opts.Addr}
	if b.opts.Name != "" {
		args = append(args, "-name", b.opts.Name)
	}
	if b.opts.IdleTimeout != 0 {
		args = append(args, "-idle-timeout", b.opts.IdleTimeout.String())
	}
	if b.opts.TLSCert != "" || b.opts.TLSKey != "" {
		args = append(args, "-tls-cert", b.opts.TLSCert, "-tls-key", b.opts.TLSKey)
	}
	if b.opts.ClientCA != "" {
		args = append(args, "-client-ca", b.opts.ClientCA)
	}
	for attempt := 1; ; attempt++ {
		p := StartProcess(t, bin, args...)
		addr, err := p.WaitForLine("listening on ", startTimeout)
		if err == nil {
			b.proc, b.Cmd, b.Addr = p, p.Cmd, addr
			b.Name = b.opts.Name
			if b.Name == "" {
				b.Name = addr
			}
			return
		}
		p.Stop()
		if attempt == bindRetries || !strings.Contains(p.Output(), "address already in use") {
			t.Fatalf("StartBackend: %v", err)
		}
		time.Sleep(bindRetryPause)
	}
}

// Process returns the current process of the backend.
func (b *Backend) Process() *Process { return b.proc }

// Pid returns the backend's process id.
func (b *Backend) Pid() int { return b.proc.Pid() }

// Kill9 kills the backend with SIGKILL and waits for it to exit.
func (b *Backend) Kill9() { b.proc.Kill9() }

// Stop stops the backend: SIGTERM, then SIGKILL after two seconds.
func (b *Backend) Stop() { b.proc.Stop() }

// TLS reports whether the backend serves HTTPS.
func (b *Backend) TLS() bool { return b.opts.TLSCert != "" }

// URL returns the backend's URL for path, which starts with "/".
func (b *Backend) URL(path string) string {
	scheme := "http"
	if b.TLS() {
		scheme = "https"
	}
	return scheme + "://" + b.Addr + path
}

// Counts fetches /count. For a backend that requires client certificates,
// fetch /count with a client of your own.
func (b *Backend) Counts(t testing.TB) wire.Counts {
	t.Helper()
	if b.opts.ClientCA != "" {
		t.Fatal("Backend.Counts: backend requires client certificates")
	}
	tr := &http.Transport{
		DisableKeepAlives: true,
		// Only the backend's own counters are read; its identity is not in
		// question here.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := client.Get(b.URL("/count"))
	if err != nil {
		t.Fatalf("Backend.Counts: %v", err)
	}
	defer resp.Body.Close()
	var c wire.Counts
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatalf("Backend.Counts: %v", err)
	}
	return c
}

// String describes the backend for test messages.
func (b *Backend) String() string {
	return fmt.Sprintf("jetway-backend %s at %s", b.Name, b.Addr)
}
