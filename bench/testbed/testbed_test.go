package testbed_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/jetwayhq/jetway/bench/wire"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestMain(m *testing.M) {
	code := testbed.Run(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// newClient returns an HTTP client whose idle connections close when the
// test ends.
func newClient(t *testing.T, cfg *tls.Config) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: cfg, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// get fetches url and returns the response with its whole body.
func get(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

// dial opens a raw connection to addr that closes when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawRequest writes req on a new connection and returns the connection and
// a reader over it.
func rawRequest(t *testing.T, addr, req string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := dial(t, addr)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

func sha256Hex(r io.Reader) string {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestPatternByte(t *testing.T) {
	for _, tc := range []struct {
		i    int64
		want byte
	}{
		{0, 0}, {1, 7}, {36, 252}, {37, 3}, {255, 249}, {256, 1}, {257, 8}, {65536, 0}, {65537, 7},
	} {
		if got := wire.PatternByte(tc.i); got != tc.want {
			t.Errorf("PatternByte(%d) = %d; want %d", tc.i, got, tc.want)
		}
	}
	got, err := io.ReadAll(wire.PatternReader(70000))
	if err != nil || len(got) != 70000 {
		t.Fatalf("PatternReader(70000): %d bytes, %v", len(got), err)
	}
	for i, b := range got {
		if b != wire.PatternByte(int64(i)) {
			t.Fatalf("PatternReader byte %d = %d; want %d", i, b, wire.PatternByte(int64(i)))
		}
	}
}

func TestBinaryBuildsOnce(t *testing.T) {
	a := testbed.Binary(t, testbed.BackendPackage)
	b := testbed.Binary(t, testbed.BackendPackage)
	if a != b {
		t.Fatalf("Binary() = %q, then %q; want the same path", a, b)
	}
	fi, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&0o111 == 0 {
		t.Fatalf("%s is not executable: %v", a, fi.Mode())
	}
}

func TestFreePort(t *testing.T) {
	addr := testbed.FreePort(t)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("FreePort() = %q; want 127.0.0.1:PORT", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on FreePort() %s: %v", addr, err)
	}
	ln.Close()
}

func TestEndpoints(t *testing.T) {
	be := testbed.StartBackend(t, testbed.BackendOptions{Name: "b1"})
	testbed.WaitHTTP(t, be.URL("/"), 5*time.Second)
	c := newClient(t, nil)

	t.Run("root", func(t *testing.T) {
		for _, path := range []string{"/", "/no/such/path?x=1"} {
			resp, body := get(t, c, be.URL(path))
			if resp.StatusCode != 200 || string(body) != "b1\n" || resp.Header.Get("X-Backend") != "b1" {
				t.Errorf("GET %s = %d %q X-Backend %q; want 200 \"b1\\n\" b1",
					path, resp.StatusCode, body, resp.Header.Get("X-Backend"))
			}
		}
	})

	t.Run("headers", func(t *testing.T) {
		_, r := rawRequest(t, be.Addr, "GET /headers?a=1&b=%20 HTTP/1.1\r\n"+
			"host: example.test\r\n"+
			"x-lower: one\r\n"+
			"X-Dup: first\r\n"+
			"X-MiXeD: m\r\n"+
			"X-Dup: second\r\n"+
			"Connection: close\r\n\r\n")
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e wire.Echo
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if e.Backend != "b1" || e.Method != "GET" || e.URI != "/headers?a=1&b=%20" ||
			e.Proto != "HTTP/1.1" || e.Host != "example.test" || e.TLS {
			t.Errorf("echo = %+v; want b1 GET /headers?a=1&b=%%20 HTTP/1.1 example.test, no TLS", e)
		}
		wantOrder := [][2]string{
			{"host", "example.test"}, {"x-lower", "one"}, {"X-Dup", "first"},
			{"X-MiXeD", "m"}, {"X-Dup", "second"}, {"Connection", "close"},
		}
		if fmt.Sprint(e.Order) != fmt.Sprint(wantOrder) {
			t.Errorf("header_order = %v; want %v", e.Order, wantOrder)
		}
		if got := e.Headers["X-Dup"]; len(got) != 2 || got[0] != "first" || got[1] != "second" {
			t.Errorf(`headers["X-Dup"] = %q; want [first second]`, got)
		}
		if got := e.Get("x-mixed"); got != "m" {
			t.Errorf(`Get("x-mixed") = %q; want "m"`, got)
		}
		if host, _, _ := net.SplitHostPort(e.RemoteAddr); host != "127.0.0.1" {
			t.Errorf("remote_addr = %q; want 127.0.0.1:PORT", e.RemoteAddr)
		}
	})

	t.Run("bytes", func(t *testing.T) {
		const n = 1<<20 + 3
		for _, chunked := range []bool{false, true} {
			url := be.URL(fmt.Sprintf("/bytes?n=%d", n))
			if chunked {
				url += "&chunked=1"
			}
			resp, body := get(t, c, url)
			wantLen := int64(n)
			if chunked {
				wantLen = -1
			}
			if resp.StatusCode != 200 || resp.ContentLength != wantLen {
				t.Fatalf("GET %s = %d, Content-Length %d; want 200, %d", url, resp.StatusCode, resp.ContentLength, wantLen)
			}
			if got := len(resp.TransferEncoding) == 1 && resp.TransferEncoding[0] == "chunked"; got != chunked {
				t.Errorf("GET %s: Transfer-Encoding %q; chunked want %v", url, resp.TransferEncoding, chunked)
			}
			if len(body) != n {
				t.Fatalf("GET %s: %d bytes; want %d", url, len(body), n)
			}
			for i, b := range body {
				if b != wire.PatternByte(int64(i)) {
					t.Fatalf("GET %s: byte %d = %d; want %d", url, i, b, wire.PatternByte(int64(i)))
				}
			}
		}
		resp, body := get(t, c, be.URL("/bytes?n=0"))
		if resp.StatusCode != 200 || len(body) != 0 {
			t.Errorf("GET /bytes?n=0 = %d with %d bytes; want 200, empty", resp.StatusCode, len(body))
		}
		if resp, _ := get(t, c, be.URL("/bytes?n=x")); resp.StatusCode != 400 {
			t.Errorf("GET /bytes?n=x = %d; want 400", resp.StatusCode)
		}
	})

	t.Run("upload", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			size    int64
			chunked bool
		}{
			{"32MiB", 32 << 20, false},
			{"chunked", 1<<20 + 5, true},
			{"empty", 0, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// A struct around the reader hides its type, so net/http
				// cannot learn the size and sends chunked.
				body := io.Reader(struct{ io.Reader }{wire.PatternReader(tc.size)})
				req, err := http.NewRequest("POST", be.URL("/upload"), body)
				if err != nil {
					t.Fatal(err)
				}
				req.ContentLength = tc.size
				if tc.chunked {
					req.ContentLength = -1
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var u wire.Upload
				if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
					t.Fatal(err)
				}
				want := sha256Hex(wire.PatternReader(tc.size))
				if resp.StatusCode != 200 || u.Bytes != tc.size || u.SHA256 != want {
					t.Errorf("POST /upload = %d %+v; want 200 {%d %s}", resp.StatusCode, u, tc.size, want)
				}
			})
		}
	})

	t.Run("cut", func(t *testing.T) {
		for _, query := range []string{"n=100000&at=30000", "chunked=1&at=30000"} {
			resp, err := c.Get(be.URL("/cut?" + query))
			if err != nil {
				t.Fatalf("GET /cut?%s: %v", query, err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("GET /cut?%s: read error %v; want %v", query, err, io.ErrUnexpectedEOF)
			}
			if len(body) != 30000 || !bytes.Equal(body, mustRead(wire.PatternReader(30000))) {
				t.Errorf("GET /cut?%s: got %d bytes; want the first 30000 pattern bytes", query, len(body))
			}
		}
		if resp, _ := get(t, c, be.URL("/cut?n=10&at=10")); resp.StatusCode != 400 {
			t.Errorf("GET /cut?n=10&at=10 = %d; want 400", resp.StatusCode)
		}
	})

	t.Run("sleep", func(t *testing.T) {
		start := time.Now()
		resp, body := get(t, c, be.URL("/sleep?ms=100"))
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("GET /sleep?ms=100 took %v; want at least 100ms", d)
		}
		if resp.StatusCode != 200 || string(body) != "b1\n" {
			t.Errorf("GET /sleep?ms=100 = %d %q; want 200 \"b1\\n\"", resp.StatusCode, body)
		}
	})

	t.Run("status", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  int
		}{{"code=418", 418}, {"code=503", 503}, {"code=204", 204}, {"code=99", 400}, {"", 400}} {
			resp, _ := get(t, c, be.URL("/status?"+tc.query))
			if resp.StatusCode != tc.want {
				t.Errorf("GET /status?%s = %d; want %d", tc.query, resp.StatusCode, tc.want)
			}
		}
	})

	t.Run("hang", func(t *testing.T) {
		conn, r := rawRequest(t, be.Addr, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := r.Read(make([]byte, 1))
		var ne net.Error
		if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("reading /hang: %d bytes, %v; want nothing until the deadline", n, err)
		}
	})

	t.Run("close", func(t *testing.T) {
		conn, r := rawRequest(t, be.Addr, "GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := r.Read(make([]byte, 1))
		if n != 0 || err != io.EOF {
			t.Errorf("reading /close: %d bytes, %v; want EOF at once", n, err)
		}
	})

	t.Run("ws", func(t *testing.T) {
		conn, r := rawRequest(t, be.Addr, "GET /ws HTTP/1.1\r\nHost: x\r\n"+
			"connection: keep-alive, Upgrade\r\nupgrade: websocket\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The accept value for this key is the example in RFC 6455 §1.3.
		if resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "websocket" ||
			resp.Header.Get("Connection") != "Upgrade" ||
			resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
			t.Fatalf("upgrade answer = %d %v", resp.StatusCode, resp.Header)
		}
		for _, msg := range []string{"hello", strings.Repeat("x", 100000)} {
			if _, err := io.WriteString(conn, msg); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(r, got); err != nil || string(got) != msg {
				t.Fatalf("echo of %d bytes: %d bytes back, %v", len(msg), len(got), err)
			}
		}
		conn.(*net.TCPConn).CloseWrite()
		if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after half-close: %d bytes, %v; want EOF", n, err)
		}

		if resp, _ := get(t, c, be.URL("/ws")); resp.StatusCode != 400 {
			t.Errorf("GET /ws without Upgrade = %d; want 400", resp.StatusCode)
		}
	})
}

func mustRead(r io.Reader) []byte {
	b, err := io.ReadAll(r)
	if err != nil {
		panic(err)
	}
	return b
}

func TestCountShowsKeepAlive(t *testing.T) {
	be := testbed.StartBackend(t, testbed.BackendOptions{})
	c := newClient(t, nil)
	for range 3 {
		get(t, c, be.URL("/"))
	}
	_, body := get(t, c, be.URL("/count"))
	var got wire.Counts
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := wire.Counts{Requests: 4, Connections: 1, Open: 1}
	if got != want {
		t.Errorf("/count on one keep-alive connection = %+v; want %+v", got, want)
	}
	if got := be.Counts(t); got.Requests != 5 || got.Connections != 2 {
		t.Errorf("Counts() = %+v; want 5 requests on 2 connections", got)
	}
	if be.Name != be.Addr {
		t.Errorf("default Name = %q; want the address %q", be.Name, be.Addr)
	}
}

func TestSleepNoticesClientLeaving(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the backend watches for clients leaving on Linux only")
	}
	be := testbed.StartBackend(t, testbed.BackendOptions{})
	conn, _ := rawRequest(t, be.Addr, "GET /sleep?ms=20000 HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for be.Counts(t).SleepAborted != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("Counts() = %+v; want sleep_aborted 1 after the client left", be.Counts(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIdleTimeout(t *testing.T) {
	be := testbed.StartBackend(t, testbed.BackendOptions{IdleTimeout: 100 * time.Millisecond})
	conn, r := rawRequest(t, be.Addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	conn.SetReadDeadline(start.Add(5 * time.Second))
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("idle keep-alive connection: %d bytes, %v; want EOF", n, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("idle connection closed after %v; want about 100ms", d)
	}
}

func TestTLS(t *testing.T) {
	certs := testbed.Certs(t)
	be := testbed.StartBackend(t, testbed.BackendOptions{
		Name: "secure", TLSCert: certs.ServerCertFile, TLSKey: certs.ServerKeyFile,
	})
	if !strings.HasPrefix(be.URL("/"), "https://") {
		t.Fatalf("URL() = %q; want https", be.URL("/"))
	}
	testbed.WaitHTTP(t, be.URL("/"), 5*time.Second)
	for _, host := range []string{be.Addr, strings.Replace(be.Addr, "127.0.0.1", "localhost", 1)} {
		c := newClient(t, &tls.Config{RootCAs: certs.CAPool()})
		_, body := get(t, c, "https://"+host+"/headers")
		var e wire.Echo
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if !e.TLS || e.ClientCN != "" || e.Backend != "secure" {
			t.Errorf("https://%s/headers: tls %v, client_cn %q, backend %q; want true, \"\", secure", host, e.TLS, e.ClientCN, e.Backend)
		}
	}
	if got := be.Counts(t); got.Requests < 3 {
		t.Errorf("Counts() over TLS = %+v; want at least 3 requests", got)
	}
}

func TestMutualTLS(t *testing.T) {
	certs := testbed.Certs(t)
	be := testbed.StartBackend(t, testbed.BackendOptions{
		TLSCert: certs.ServerCertFile, TLSKey: certs.ServerKeyFile, ClientCA: certs.CAFile,
	})

	_, body := get(t, newClient(t, certs.ClientTLS()), be.URL("/headers"))
	var e wire.Echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if !e.TLS || e.ClientCN != testbed.ClientCN {
		t.Errorf("/headers with a client certificate: tls %v, client_cn %q; want true, %q", e.TLS, e.ClientCN, testbed.ClientCN)
	}

	resp, err := newClient(t, &tls.Config{RootCAs: certs.CAPool()}).Get(be.URL("/"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET without a client certificate = %d; want a TLS error", resp.StatusCode)
	}

	other := testbed.Certs(t)
	cfg := other.ClientTLS()
	cfg.RootCAs = certs.CAPool()
	resp, err = newClient(t, cfg).Get(be.URL("/"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET with a certificate from another CA = %d; want a TLS error", resp.StatusCode)
	}
}

func TestKill9AndRestart(t *testing.T) {
	be := testbed.StartBackend(t, testbed.BackendOptions{Name: "phoenix"})
	addr, pid := be.Addr, be.Pid()
	c := newClient(t, nil)
	get(t, c, be.URL("/"))

	be.Kill9()
	if code, err := be.Process().Wait(time.Second); code != -1 || err != nil {
		t.Errorf("after Kill9: exit code %d, %v; want -1 (killed)", code, err)
	}
	if resp, err := c.Get(be.URL("/")); err == nil {
		resp.Body.Close()
		t.Fatal("GET after Kill9 succeeded; want an error")
	}

	be.Restart(t)
	if be.Addr != addr || be.Name != "phoenix" || be.Pid() == pid {
		t.Errorf("after Restart: %s pid %d; want phoenix at %s, a new pid (old %d)", be, be.Pid(), addr, pid)
	}
	resp, body := get(t, c, be.URL("/"))
	if resp.StatusCode != 200 || string(body) != "phoenix\n" {
		t.Errorf("GET after Restart = %d %q; want 200 \"phoenix\\n\"", resp.StatusCode, body)
	}
	if got := be.Counts(t); got.Requests != 2 {
		t.Errorf("Counts() after Restart = %+v; want 2 requests (counters start over)", got)
	}
}

func TestProcess(t *testing.T) {
	bin := testbed.Binary(t, testbed.BackendPackage)

	p := testbed.StartProcess(t, bin, "-listen", "127.0.0.1:0")
	addr, err := p.WaitForLine("listening on ", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitForOutput("listening on "+addr+"\n", time.Second); err != nil {
		t.Error(err)
	}
	if !strings.Contains(p.Stdout(), "listening on") || p.Stderr() != "" {
		t.Errorf("stdout %q, stderr %q; want the listening line on stdout only", p.Stdout(), p.Stderr())
	}
	if rss, err := p.RSS(); err != nil || rss < 1<<20 {
		t.Errorf("RSS() = %d, %v; want at least 1 MiB", rss, err)
	}
	if cpu, err := p.CPUTime(); err != nil || cpu < 0 || cpu > time.Minute {
		t.Errorf("CPUTime() = %v, %v; want a small non-negative duration", cpu, err)
	}
	// Requests in flight (a 60 s sleep, a hang) must not hold up the exit:
	// it comes within the wait below, far sooner than they would end.
	rawRequest(t, addr, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	sleeper, sleepReader := rawRequest(t, addr, "GET /sleep?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(15 * time.Second); code != 0 || err != nil {
		t.Errorf("exit after SIGTERM: code %d, %v; want 0 well before the in-flight requests end", code, err)
	}
	sleeper.SetReadDeadline(time.Now().Add(time.Second))
	if resp, err := http.ReadResponse(sleepReader, nil); err != nil || resp.StatusCode != 503 {
		t.Errorf("/sleep cut by shutdown: %v; want 503", err)
	}
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal() after exit = %v; want %v", err, os.ErrProcessDone)
	}

	bad := testbed.StartProcess(t, bin)
	if code, err := bad.Wait(5 * time.Second); code != 2 || err != nil {
		t.Errorf("without -listen: exit code %d, %v; want 2", code, err)
	}
	if !strings.Contains(bad.Stderr(), "-listen is required") {
		t.Errorf("without -listen: stderr %q; want it to say -listen is required", bad.Stderr())
	}
	if err := bad.WaitForOutput("never printed", 5*time.Second); err == nil {
		t.Error("WaitForOutput on an exited process = nil; want an error")
	}
}

// helperEnv, when set, holds the backend binary TestChildDiesWithTestBinary's
// child copy of this test binary starts before it exits abruptly.
const helperEnv = "JETWAY_TESTBED_HELPER_BIN"

func TestChildDiesWithTestBinary(t *testing.T) {
	if bin := os.Getenv(helperEnv); bin != "" {
		p := testbed.StartProcess(t, bin, "-listen", "127.0.0.1:0")
		if _, err := p.WaitForLine("listening on ", 10*time.Second); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("pid=%d\n", p.Pid())
		os.Exit(0) // no cleanups: the kernel must stop the backend
	}
	if runtime.GOOS != "linux" {
		t.Skip("children die with the test binary on Linux only")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildDiesWithTestBinary$")
	cmd.Env = append(os.Environ(), helperEnv+"="+testbed.Binary(t, testbed.BackendPackage))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	var pid int
	if _, err := fmt.Sscanf(string(out), "pid=%d", &pid); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("backend pid %d still runs after its test binary exited", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}
