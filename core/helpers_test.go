package core

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/config"
)

// testLogger logs to the test output at warn level and above.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("JETWAY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// mustParse parses a YAML config or fails the test. JETWAY_TEST_ENGINE
// names the gateway.http.engine of configs that leave it out, so the suite
// can run on either engine.
func mustParse(t testing.TB, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("config:\n%v\n---\n%s", err, yaml)
	}
	if e := os.Getenv("JETWAY_TEST_ENGINE"); e != "" && !strings.Contains(yaml, "engine:") {
		cfg.Gateway.HTTP.Engine = e
	}
	return cfg
}

// startGateway applies yaml (whose gateway.http.listen is replaced by a
// free port on 127.0.0.1) and starts serving. It returns the gateway and
// its base URL.
func startGateway(t testing.TB, yaml string) (*Gateway, string) {
	t.Helper()
	return startGatewayWith(t, Options{}, yaml)
}

// startGatewayWith is startGateway with options (a fake clock, say); the
// logger is set here.
func startGatewayWith(t testing.TB, opts Options, yaml string) (*Gateway, string) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	g := New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	full := fmt.Sprintf("gateway:\n  http:\n    listen: [%q]\n", addr) + yaml
	if err := g.Apply(mustParse(t, full)); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
	})
	return g, "http://" + addr
}

// startHeaderTimed starts a gateway on engine (the suite's when "") with
// the given header timeout in front of one backend, and returns its
// address.
func startHeaderTimed(t *testing.T, engine, headerTimeout string) (*Gateway, string) {
	t.Helper()
	a := backend(t, named("a"))
	g := New(Options{Logger: testLogger(t)})
	addr := closedAddr(t)
	e := ""
	if engine != "" {
		e = "\n    engine: " + engine
	}
	if err := g.Apply(mustParse(t, fmt.Sprintf(`
gateway:
  http:
    listen: [%q]
    read_header_timeout: %s%s
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, addr, headerTimeout, e, a))); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownNow(g) })
	return g, addr
}

// reapply applies yaml to a started gateway, keeping its listen address.
func reapply(t testing.TB, g *Gateway, base, yaml string) error {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	full := fmt.Sprintf("gateway:\n  http:\n    listen: [%q]\n", addr) + yaml
	return g.Apply(mustParse(t, full))
}

// backend starts an in-process HTTP server on 127.0.0.1 and returns its
// host:port.
func backend(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// serveOn runs srv on a new 127.0.0.1 listener until the test ends and
// returns its host:port.
func serveOn(t testing.TB, srv *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// named is a handler answering with its name.
func named(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Backend", name)
		io.WriteString(w, name)
	}
}

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// get sends a GET and returns status, body and the X-Backend header.
func get(t testing.TB, c *http.Client, url string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s body: %v", url, err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("X-Backend")
}

// shutdownNow stops g, giving in-flight requests a few seconds.
func shutdownNow(g *Gateway) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = g.Shutdown(ctx)
}

// fullListener returns the address of a listener with a backlog of one
// that never accepts; once its queue is full, further connects hang until
// they time out. The queue is filled here.
func fullListener(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the accept queue (backlog 0 admits one or two pending).
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err == nil {
		c.Close()
		t.Fatal("fullListener: connects still succeed; the accept queue did not fill")
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("fullListener: connect failed with %v; want a timeout", err)
	}
	return addr
}

// rawBackend listens on 127.0.0.1 and runs handle on each connection in a
// goroutine of its own, closing the connection when handle returns. It
// returns the address.
func rawBackend(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// catchAll is the resources of a config with one upstream, u1, holding
// node (weight 1), and one route, r1, sending every request to it.
func catchAll(node string) string {
	return fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, node)
}

// rawExchange sends the raw request req on a new connection to base and
// returns the response and its body.
func rawExchange(t testing.TB, base, req string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// post sends body as a POST to url and returns the status and the answer.
func post(t testing.TB, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// backendFor sends a GET of url, with X-Canary and Cookie set when not
// empty, and returns the X-Backend of the answer.
func backendFor(t testing.TB, c *http.Client, url, canary, cookie string) string {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if canary != "" {
		req.Header.Set("X-Canary", canary)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-Backend")
}
