package hc

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"

	"github.com/jetwayhq/jetway/bench/testbed"
	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// activeCheck returns an active check with config's defaults, changed by
// edit (YAML flow mapping entries, e.g. "type: tcp, timeout: 0.2").
func activeCheck(t testing.TB, edit string) config.ActiveCheck {
	t.Helper()
	src := fmt.Sprintf("upstreams: [{id: u, nodes: {\"127.0.0.1:1\": 1}, checks: {active: {%s}}}]\n", edit)
	c, err := config.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return *c.Upstreams[0].Checks.Active
}

// leakCheck fails the test if it leaves goroutines behind. It runs after
// every other cleanup, so servers have stopped by then.
func leakCheck(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// probeOnce returns a function that probes addr once per call, through the
// probe path a checker would take for it (its event loop or its pool) but
// without its scheduler.
func probeOnce(t testing.TB, a config.ActiveCheck, addr string, o CheckerOptions) func() Result {
	t.Helper()
	c := NewChecker(a, o)
	t.Cleanup(c.Stop)
	p, tg := newProber(), c.newTarget(addr)
	// Known to Stop, which closes its connection, but never queued.
	c.mu.Lock()
	c.targets[addr] = tg
	c.mu.Unlock()
	if probe := loopProbe(t, c, tg); probe != nil {
		return probe
	}
	return func() Result { return c.probe(p, tg) }
}

// seenRequest is a request as a probeServer received it.
type seenRequest struct {
	Method, Path, Host, Local string
	Header                    http.Header
	ContentLength             int64
}

// probeServer is a net/http server on n loopback listeners that records
// what probes send. Paths: /status/N answers N; /big and /big-chunked send
// 100 KiB; /small sends 1 KiB; /close answers with Connection: close;
// /slow holds the request 200 ms; anything else answers 200.
type probeServer struct {
	addrs []string
	srv   *http.Server

	mu       sync.Mutex
	seen     []seenRequest
	conns    map[net.Conn]string // open connection → listener address
	accepted map[string]int      // by listener address
	inflight int
	peak     int
}

func startProbeServer(t *testing.T, n int, cert *tls.Certificate) *probeServer {
	t.Helper()
	s := &probeServer{conns: make(map[net.Conn]string), accepted: make(map[string]int)}
	s.srv = &http.Server{
		Handler:   http.HandlerFunc(s.serve),
		ConnState: s.connState,
		ErrorLog:  log.New(io.Discard, "", 0), // failed handshakes are expected
	}
	if cert != nil {
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	var wg sync.WaitGroup
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.addrs = append(s.addrs, ln.Addr().String())
		wg.Go(func() {
			if cert != nil {
				_ = s.srv.ServeTLS(ln, "", "")
			} else {
				_ = s.srv.Serve(ln)
			}
		})
	}
	t.Cleanup(func() {
		s.srv.Close()
		wg.Wait()
	})
	return s
}

func (s *probeServer) connState(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateNew:
		s.conns[c] = c.LocalAddr().String()
		s.accepted[c.LocalAddr().String()]++
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	}
}

func (s *probeServer) serve(w http.ResponseWriter, r *http.Request) {
	local := r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()
	s.mu.Lock()
	s.seen = append(s.seen, seenRequest{r.Method, r.URL.Path, r.Host, local, r.Header.Clone(), r.ContentLength})
	s.inflight++
	s.peak = max(s.peak, s.inflight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}()

	switch path := r.URL.Path; {
	case strings.HasPrefix(path, "/status/"):
		code, _ := strconv.Atoi(strings.TrimPrefix(path, "/status/"))
		w.WriteHeader(code)
	case path == "/big":
		w.Header().Set("Content-Length", strconv.Itoa(100<<10))
		_, _ = w.Write(make([]byte, 100<<10))
	case path == "/big-chunked":
		for range 100 {
			_, _ = w.Write(make([]byte, 1<<10))
			w.(http.Flusher).Flush()
		}
	case path == "/small":
		_, _ = w.Write(make([]byte, 1<<10))
	case path == "/close":
		w.Header().Set("Connection", "close")
	case path == "/slow":
		time.Sleep(200 * time.Millisecond)
	}
}

// requests returns the requests received so far.
func (s *probeServer) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

// accepts is the number of connections accepted on addr.
func (s *probeServer) accepts(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted[addr]
}

// open is the number of connections open on addr.
func (s *probeServer) open(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.conns {
		if a == addr {
			n++
		}
	}
	return n
}

// closeConns closes every open connection from the server side.
func (s *probeServer) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// hangServer accepts connections and reads from them, never answering.
type hangServer struct {
	addr string

	mu     sync.Mutex
	conns  map[net.Conn]bool
	read   int // connections that sent bytes
	closed int // connections the client closed
}

func startHangServer(t *testing.T) *hangServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hangServer{addr: ln.Addr().String(), conns: make(map[net.Conn]bool)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns[c] = true
			h.mu.Unlock()
			wg.Go(func() { h.drain(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		h.mu.Lock()
		for c := range h.conns {
			c.Close()
		}
		h.mu.Unlock()
		wg.Wait()
	})
	return h
}

func (h *hangServer) drain(c net.Conn) {
	buf := make([]byte, 4096)
	first := true
	for {
		if _, err := c.Read(buf); err != nil {
			h.mu.Lock()
			h.closed++
			h.mu.Unlock()
			return
		}
		if first {
			h.mu.Lock()
			h.read++
			h.mu.Unlock()
			first = false
		}
	}
}

func (h *hangServer) counts() (read, closed int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.read, h.closed
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	return testbed.FreePort(t)
}

// checkResult compares the fields of r that a probe decides.
func checkResult(t *testing.T, r Result, counter upstream.Counter, counts bool, status int, errPrefix string) {
	t.Helper()
	if r.Counter != counter || r.Counts != counts || r.Status != status || !strings.HasPrefix(r.Err, errPrefix) || (errPrefix == "") != (r.Err == "") {
		t.Errorf("probe = {%v counts=%v status=%d err=%q}; want {%v counts=%v status=%d err=%q...}",
			r.Counter, r.Counts, r.Status, r.Err, counter, counts, status, errPrefix)
	}
}

func TestProbeRequestBytes(t *testing.T) {
	for _, tc := range []struct {
		name, edit, node, want string
	}{
		{"defaults", "", "10.0.0.1:80",
			"GET / HTTP/1.1\r\nHost: 10.0.0.1:80\r\nUser-Agent: jetway-healthcheck\r\n\r\n"},
		{"ipv6 node", "", "[::1]:8080",
			"GET / HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: jetway-healthcheck\r\n\r\n"},
		{"port override", "port: 9090", "10.0.0.1:80",
			"GET / HTTP/1.1\r\nHost: 10.0.0.1:9090\r\nUser-Agent: jetway-healthcheck\r\n\r\n"},
		{"host and headers", `host: api.test, http_path: /healthz, http_method: HEAD, req_headers: ["X-A: 1", "X-B:two"]`, "10.0.0.1:80",
			"HEAD /healthz HTTP/1.1\r\nHost: api.test\r\nUser-Agent: jetway-healthcheck\r\nX-A: 1\r\nX-B: two\r\n\r\n"},
		{"header overrides", `req_headers: ["host: h.test", "User-Agent: probe/2"]`, "10.0.0.1:80",
			"GET / HTTP/1.1\r\nHost: h.test\r\nUser-Agent: probe/2\r\n\r\n"},
		{"post has a length", "http_method: POST", "10.0.0.1:80",
			"POST / HTTP/1.1\r\nHost: 10.0.0.1:80\r\nUser-Agent: jetway-healthcheck\r\nContent-Length: 0\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{spec: newProbeSpec(activeCheck(t, tc.edit))}
			if got := string(c.newTarget(tc.node).req); got != tc.want {
				t.Errorf("request = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestProbeClassify(t *testing.T) {
	s := newProbeSpec(activeCheck(t, "healthy: {http_statuses: [200, 302]}, unhealthy: {http_statuses: [500, 503]}"))
	for _, tc := range []struct {
		status  int
		counter upstream.Counter
		counts  bool
		err     string
	}{
		{200, upstream.Successes, true, ""},
		{302, upstream.Successes, true, ""},
		{503, upstream.HTTPFailures, true, "status 503"},
		{500, upstream.HTTPFailures, true, "status 500"},
		{404, upstream.Successes, false, "status 404"},
		{999, upstream.Successes, false, "status 999"},
	} {
		r := s.classify(tc.status)
		if r.Counter != tc.counter || r.Counts != tc.counts || r.Status != tc.status || r.Err != tc.err {
			t.Errorf("classify(%d) = %+v; want counter %v, counts %v, err %q", tc.status, r, tc.counter, tc.counts, tc.err)
		}
	}
}

func TestProbeFailed(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	deadline := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, tc := range []struct {
		name    string
		err     error
		counter upstream.Counter
		want    string
	}{
		{"refused", refused, upstream.TCPFailures, "connect: connection refused"},
		{"reset", fmt.Errorf("reading: %w", os.NewSyscallError("read", syscall.ECONNRESET)), upstream.TCPFailures, "connect: connection reset by peer"},
		{"eof", io.EOF, upstream.TCPFailures, "connect: EOF"},
		{"unexpected eof", fmt.Errorf("body: %w", io.ErrUnexpectedEOF), upstream.TCPFailures, "connect: unexpected EOF"},
		{"closed", net.ErrClosed, upstream.TCPFailures, "connect: connection closed"},
		{"dns", &net.DNSError{Err: "no such host", Name: "x.invalid"}, upstream.TCPFailures, "connect: lookup x.invalid: no such host"},
		{"deadline", deadline, upstream.TimeoutFailures, "connect: timeout"},
		{"fasthttp timeout", fasthttp.ErrTimeout, upstream.TimeoutFailures, "connect: timeout"},
		{"long", errors.New(strings.Repeat("x", 300)), upstream.TCPFailures, "connect: " + strings.Repeat("x", maxErrLen-len("connect: ")-3) + "..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := failed("connect", tc.err)
			if r.Counter != tc.counter || !r.Counts || r.Err != tc.want {
				t.Errorf("failed(%v) = %v %q; want %v %q", tc.err, r.Counter, r.Err, tc.counter, tc.want)
			}
		})
	}
}

func TestProbeTCP(t *testing.T) {
	leakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := activeCheck(t, "type: tcp")

	t.Run("open", func(t *testing.T) {
		checkResult(t, probeOnce(t, a, ln.Addr().String(), CheckerOptions{})(), upstream.Successes, true, 0, "")
	})
	t.Run("closed", func(t *testing.T) {
		checkResult(t, probeOnce(t, a, closedAddr(t), CheckerOptions{})(), upstream.TCPFailures, true, 0, "connect: connection refused")
	})
	t.Run("port override", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		a := activeCheck(t, "type: tcp, port: "+port)
		checkResult(t, probeOnce(t, a, closedAddr(t), CheckerOptions{})(), upstream.Successes, true, 0, "")
	})
	t.Run("bad address", func(t *testing.T) {
		checkResult(t, probeOnce(t, a, "no-port", CheckerOptions{})(), upstream.TCPFailures, true, 0, "address: ")
	})
	t.Run("host name", func(t *testing.T) { // the worker pool's path
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		checkResult(t, probeOnce(t, a, "localhost:"+port, CheckerOptions{})(), upstream.Successes, true, 0, "")
	})
}

func TestProbeHTTPStatus(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 1, nil)
	for _, tc := range []struct {
		status  int
		counter upstream.Counter
		counts  bool
		err     string
	}{
		{200, upstream.Successes, true, ""},
		{302, upstream.Successes, true, ""},
		{503, upstream.HTTPFailures, true, "status 503"},
		{418, upstream.Successes, false, "status 418"},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			a := activeCheck(t, fmt.Sprintf("http_path: /status/%d", tc.status))
			checkResult(t, probeOnce(t, a, s.addrs[0], CheckerOptions{})(), tc.counter, tc.counts, tc.status, tc.err)
		})
	}
	t.Run("closed", func(t *testing.T) {
		checkResult(t, probeOnce(t, activeCheck(t, ""), closedAddr(t), CheckerOptions{})(), upstream.TCPFailures, true, 0, "connect: connection refused")
	})
}

func TestProbeHTTPRequestArrives(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 1, nil)
	_, port, _ := net.SplitHostPort(s.addrs[0])
	for _, tc := range []struct {
		name, edit, node       string
		method, path, host, ua string
		header, value          string
		contentLength          int64
	}{
		{"defaults", "", s.addrs[0], "GET", "/", s.addrs[0], "jetway-healthcheck", "", "", 0},
		{"custom", `host: api.test, http_path: /healthz, http_method: HEAD, req_headers: ["X-Probe: yes"]`, s.addrs[0],
			"HEAD", "/healthz", "api.test", "jetway-healthcheck", "X-Probe", "yes", 0},
		{"port override", "port: " + port, closedAddr(t), "GET", "/", s.addrs[0], "jetway-healthcheck", "", "", 0},
		{"post", `http_method: POST, req_headers: ["User-Agent: mine"]`, s.addrs[0], "POST", "/", s.addrs[0], "mine", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.requests())
			checkResult(t, probeOnce(t, activeCheck(t, tc.edit), tc.node, CheckerOptions{})(), upstream.Successes, true, 200, "")
			reqs := s.requests()
			if len(reqs) != before+1 {
				t.Fatalf("server got %d requests; want 1", len(reqs)-before)
			}
			r := reqs[before]
			if r.Method != tc.method || r.Path != tc.path || r.Host != tc.host || r.Header.Get("User-Agent") != tc.ua || r.ContentLength != tc.contentLength {
				t.Errorf("server got %s %s Host %q UA %q length %d; want %s %s Host %q UA %q length %d",
					r.Method, r.Path, r.Host, r.Header.Get("User-Agent"), r.ContentLength, tc.method, tc.path, tc.host, tc.ua, tc.contentLength)
			}
			if tc.header != "" && r.Header.Get(tc.header) != tc.value {
				t.Errorf("server got %s: %q; want %q", tc.header, r.Header.Get(tc.header), tc.value)
			}
		})
	}
}

func TestProbeKeepAlive(t *testing.T) {
	leakCheck(t)
	for _, tc := range []struct {
		name    string
		path    string
		between func(*probeServer)
		accepts int // after five probes
	}{
		{"kept", "/", nil, 1},
		{"body under the cap", "/small", nil, 1},
		{"head", "/small", nil, 1},
		{"server closes idle", "/", (*probeServer).closeConns, 5},
		{"connection close", "/close", nil, 5},
		{"body over the cap", "/big", nil, 5},
		{"chunked body over the cap", "/big-chunked", nil, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startProbeServer(t, 1, nil)
			edit := "http_path: " + tc.path
			if tc.name == "head" {
				edit += ", http_method: HEAD"
			}
			probe := probeOnce(t, activeCheck(t, edit), s.addrs[0], CheckerOptions{})
			for i := range 5 {
				checkResult(t, probe(), upstream.Successes, true, 200, "")
				if tc.between != nil {
					tc.between(s)
					waitFor(t, "the server to close", func() bool { return s.open(s.addrs[0]) == 0 })
				}
				if n := len(s.requests()); n != i+1 {
					t.Fatalf("after probe %d the server got %d requests", i+1, n)
				}
			}
			if got := s.accepts(s.addrs[0]); got != tc.accepts {
				t.Errorf("5 probes used %d connections; want %d", got, tc.accepts)
			}
		})
	}
}

func TestProbeTimeout(t *testing.T) {
	leakCheck(t)
	h := startHangServer(t)
	probe := probeOnce(t, activeCheck(t, "timeout: 0.2"), h.addr, CheckerOptions{})
	start := time.Now()
	r := probe()
	elapsed := time.Since(start)
	checkResult(t, r, upstream.TimeoutFailures, true, 0, "read: timeout")
	if elapsed < 200*time.Millisecond || elapsed > 1200*time.Millisecond {
		t.Errorf("probe took %v; want the 200ms timeout", elapsed)
	}
	// The timed-out connection is closed, not kept.
	waitFor(t, "the connection to close", func() bool { _, closed := h.counts(); return closed == 1 })
}

func TestProbeHTTPS(t *testing.T) {
	leakCheck(t)
	certs := testbed.Certs(t)
	cert, err := tls.X509KeyPair(certs.ServerCertPEM, certs.ServerKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	s := startProbeServer(t, 1, &cert)
	for _, tc := range []struct {
		name    string
		edit    string
		roots   bool
		counter upstream.Counter
		err     string
		host    string
	}{
		{"unknown CA", "", false, upstream.TCPFailures, "handshake: tls: failed to verify certificate", ""},
		{"verify off", "https_verify_certificate: false", false, upstream.Successes, "", s.addrs[0]},
		{"test CA", "", true, upstream.Successes, "", s.addrs[0]},
		{"server name from host", "host: localhost", true, upstream.Successes, "", "localhost"},
		{"wrong server name", "host: wrong.test", true, upstream.TCPFailures, "handshake: tls: failed to verify certificate", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := CheckerOptions{}
			if tc.roots {
				o.RootCAs = certs.CAPool()
			}
			before := len(s.requests())
			probe := probeOnce(t, activeCheck(t, "type: https, "+tc.edit), s.addrs[0], o)
			status := 0
			if tc.counter == upstream.Successes {
				status = 200
			}
			for range 3 {
				checkResult(t, probe(), tc.counter, true, status, tc.err)
			}
			reqs := s.requests()[before:]
			if tc.host == "" {
				if len(reqs) != 0 {
					t.Errorf("server got %d requests; want none", len(reqs))
				}
				return
			}
			if len(reqs) != 3 || reqs[0].Host != tc.host {
				t.Errorf("server got %d requests, Host %q; want 3, %q", len(reqs), reqs[0].Host, tc.host)
			}
		})
	}
	// A failed handshake closes its connection; a successful case keeps
	// one for its three probes.
	if got := s.accepts(s.addrs[0]); got != 2*3+3 {
		t.Errorf("server accepted %d connections; want 9 (3 per failing case, 1 per successful one)", got)
	}
}
