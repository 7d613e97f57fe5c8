//go:build linux

package core

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startLoopWith starts a loop-engine gateway on resources (upstreams and
// routes) and returns it with its address.
func startLoopWith(t *testing.T, resources string) (*Gateway, string) {
	t.Helper()
	addr := closedAddr(t)
	g := New(Options{Logger: testLogger(t)})
	if err := g.Apply(mustParse(t, fmt.Sprintf("gateway:\n  http:\n    listen: [%q]\n    engine: loop\n", addr)+resources)); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownNow(g) })
	return g, addr
}

// loopConn is a client connection that sends raw requests and reads the
// answers.
type loopConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialLoop(t *testing.T, addr string) *loopConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &loopConn{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes raw bytes.
func (lc *loopConn) send(raw string) {
	lc.t.Helper()
	if _, err := io.WriteString(lc.c, raw); err != nil {
		lc.t.Fatal(err)
	}
}

// answer reads one answer to a request of method and returns it with its
// body.
func (lc *loopConn) answer(method string) (*http.Response, string) {
	lc.t.Helper()
	resp, err := http.ReadResponse(lc.br, &http.Request{Method: method})
	if err != nil {
		lc.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		lc.t.Fatalf("reading the body: %v (got %q)", err, b)
	}
	return resp, string(b)
}

// get sends a GET of path and reads the answer.
func (lc *loopConn) get(path string) (*http.Response, string) {
	lc.send("GET " + path + " HTTP/1.1\r\nHost: loop.test\r\n\r\n")
	return lc.answer("GET")
}

func requireCounts(t *testing.T, g *Gateway, served, handed uint64) {
	t.Helper()
	if s, h := g.loopCounts(); s != served || h != handed {
		t.Fatalf("loops served %d requests and handed over %d connections; want %d and %d", s, h, served, handed)
	}
}

func TestLoopServesSimpleRequestsItself(t *testing.T) {
	var seen = make(chan http.Header, 16)
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		w.Header().Set("Connection", "X-Hop")
		w.Header().Set("X-Hop", "dropped")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-Path", r.URL.RequestURI())
		fmt.Fprint(w, "hello "+r.Host)
	})
	g, addr := startLoopWith(t, catchAll(a))
	lc := dialLoop(t, addr)
	for i := range 3 {
		resp, body := lc.get(fmt.Sprintf("/p/%d?q=a/../b", i))
		if resp.StatusCode != 200 || body != "hello loop.test" {
			t.Fatalf("answer %d: %d %q", i, resp.StatusCode, body)
		}
		if got := resp.Header.Get("X-Path"); got != fmt.Sprintf("/p/%d?q=a/../b", i) {
			t.Errorf("the node saw %q", got)
		}
		if resp.Header.Get("X-Hop") != "" || resp.Header.Get("Keep-Alive") != "" || resp.Header.Get("Date") == "" {
			t.Errorf("answer head: %v", resp.Header)
		}
		h := <-seen
		if h.Get("X-Forwarded-For") != "127.0.0.1" || h.Get("X-Real-Ip") != "127.0.0.1" ||
			h.Get("X-Forwarded-Host") != "loop.test" || h.Get("X-Forwarded-Proto") != "http" {
			t.Errorf("forwarding fields: %v", h)
		}
	}
	lc.send("HEAD /h HTTP/1.1\r\nHost: loop.test\r\n\r\n")
	if resp, body := lc.answer("HEAD"); resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len("hello loop.test")) {
		t.Errorf("HEAD: %d, length %d, body %q", resp.StatusCode, resp.ContentLength, body)
	}
	<-seen
	requireCounts(t, g, 4, 0)
}

func TestLoopAnswersNoRoute(t *testing.T) {
	a := backend(t, named("a"))
	g, addr := startLoopWith(t, fmt.Sprintf(`
upstreams:
  - {id: u1, nodes: {%q: 1}}
routes:
  - {id: r1, uri: /api/*, upstream_id: u1}
`, a))
	lc := dialLoop(t, addr)
	resp, body := lc.get("/nowhere")
	if resp.StatusCode != 404 || body != string(body404) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp, _ := lc.get("/api/x"); resp.StatusCode != 200 {
		t.Fatalf("after the 404: %d", resp.StatusCode)
	}
	requireCounts(t, g, 2, 0)
}

func TestLoopHandsOverAtRequestBoundary(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	})
	g, addr := startLoopWith(t, catchAll(a))
	lc := dialLoop(t, addr)
	if _, body := lc.get("/"); body != "GET " {
		t.Fatalf("GET: %q", body)
	}
	// A request with a body, pipelined with a GET after it: the loop
	// hands the connection over with both, and fasthttp serves them.
	lc.send("POST / HTTP/1.1\r\nHost: loop.test\r\nContent-Length: 5\r\n\r\nhello" +
		"GET / HTTP/1.1\r\nHost: loop.test\r\n\r\n")
	if _, body := lc.answer("POST"); body != "POST hello" {
		t.Fatalf("POST: %q", body)
	}
	if _, body := lc.answer("GET"); body != "GET " {
		t.Fatalf("GET after POST: %q", body)
	}
	requireCounts(t, g, 1, 1)
	// A malformed head goes over too, and gets the front door's answer.
	lc2 := dialLoop(t, addr)
	lc2.send("GET / HTTP/1.1\r\nHost: loop.test\r\nBad Name: x\r\n\r\n")
	if resp, _ := lc2.answer("GET"); resp.StatusCode != 400 {
		t.Fatalf("malformed head: %d", resp.StatusCode)
	}
	requireCounts(t, g, 1, 2)
}

func TestLoopServesPipelinedRequestsInOrder(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.URL.Path) })
	g, addr := startLoopWith(t, catchAll(a))
	lc := dialLoop(t, addr)
	lc.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	for i := 1; i <= 3; i++ {
		resp, body := lc.answer("GET")
		if body != fmt.Sprintf("/%d", i) {
			t.Fatalf("answer %d: %q", i, body)
		}
		if i == 3 && !resp.Close {
			t.Error("the last answer does not say Connection: close")
		}
	}
	if _, err := lc.br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close, read gave %v; want EOF", err)
	}
	requireCounts(t, g, 3, 0)
}

// rawNode is a node that reads a request head and answers with raw.
func rawNode(t *testing.T, raw string) string {
	return rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, raw); err != nil {
				return
			}
			if strings.Contains(raw, "Connection: close") || !strings.Contains(raw, "Content-Length") && !strings.Contains(raw, "chunked") {
				return
			}
		}
	})
}

func TestLoopRelaysEachFraming(t *testing.T) {
	for _, tc := range []struct {
		name, raw, body string
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-T: 1\r\n\r\n", "hello world"},
		{"close-delimited", "HTTP/1.0 200 OK\r\n\r\nuntil the end", "until the end"},
		{"interim then final", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok"},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", ""},
		{"bare LF head", "HTTP/1.1 200 OK\nContent-Length: 2\n\nlf", "lf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, addr := startLoopWith(t, catchAll(rawNode(t, tc.raw)))
			lc := dialLoop(t, addr)
			for range 2 {
				resp, body := lc.get("/")
				if body != tc.body {
					t.Fatalf("body %q; want %q (status %d)", body, tc.body, resp.StatusCode)
				}
			}
			requireCounts(t, g, 2, 0)
		})
	}
}

func TestLoopKeepsCutShortAnswersCutShort(t *testing.T) {
	for _, raw := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nonly this\r\n",
	} {
		node := rawBackend(t, func(c net.Conn) {
			if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
				io.WriteString(c, raw)
			}
		})
		_, addr := startLoopWith(t, catchAll(node))
		lc := dialLoop(t, addr)
		lc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, err := http.ReadResponse(lc.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if err == nil {
			t.Errorf("%q: the client read %q as a whole answer", raw, b)
		}
	}
}

func TestLoopMalformedAnswerIs502(t *testing.T) {
	g, addr := startLoopWith(t, catchAll(rawNode(t, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx")))
	lc := dialLoop(t, addr)
	if resp, body := lc.get("/"); resp.StatusCode != 502 || body != string(body502) {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	requireCounts(t, g, 1, 0)
}

func TestLoopRetriesAnotherNode(t *testing.T) {
	a := backend(t, named("a"))
	dead := closedAddr(t)
	g, addr := startLoopWith(t, fmt.Sprintf(`
upstreams:
  - {id: u1, nodes: {%q: 1, %q: 1}}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, dead, a))
	lc := dialLoop(t, addr)
	for i := range 6 {
		if resp, body := lc.get("/"); resp.StatusCode != 200 || body != "a" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	requireCounts(t, g, 6, 0)
	snap := g.Snapshot().upstreams["u1"]
	for _, tg := range snap.targets {
		if n := tg.Node.InFlight(); n != 0 {
			t.Errorf("%s has %d requests in flight", tg.Node.Addr(), n)
		}
	}
}

func TestLoopReadTimeoutIs504(t *testing.T) {
	hang := rawBackend(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	g, addr := startLoopWith(t, fmt.Sprintf(`
upstreams:
  - {id: u1, nodes: {%q: 1}, timeout: {connect: 1, send: 1, read: 0.3}}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, hang))
	lc := dialLoop(t, addr)
	start := time.Now()
	resp, body := lc.get("/")
	if resp.StatusCode != 504 || body != string(body504) {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
		t.Errorf("answered after %v; want the 0.3 s read timeout", d)
	}
	requireCounts(t, g, 1, 0)
}

func TestLoopAbsorbsStaleKeepAlive(t *testing.T) {
	// The node answers one request per connection, keeping it open
	// (no Connection: close) but closing it right after: the next
	// request on the kept connection meets the stale race.
	node := rawBackend(t, func(c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	g, addr := startLoopWith(t, catchAll(node))
	lc := dialLoop(t, addr)
	for i := range 5 {
		if resp, body := lc.get("/"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond) // the close reaches Jetway
	}
	requireCounts(t, g, 5, 0)
}

func TestLoopDrainsRequestsInFlight(t *testing.T) {
	release := make(chan struct{})
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			<-release
		}
		fmt.Fprint(w, "done")
	})
	g, addr := startLoopWith(t, catchAll(a))
	idle := dialLoop(t, addr)
	idle.get("/warm")
	busy := dialLoop(t, addr)
	busy.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- g.Shutdown(context.Background()) }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	resp, body := busy.answer("GET")
	if body != "done" || !resp.Close {
		t.Fatalf("in flight at shutdown: %q, close %v", body, resp.Close)
	}
	if _, err := idle.br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: read gave %v; want EOF", err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

func TestLoopClosesIdleUpstreamConnections(t *testing.T) {
	closed := make(chan struct{}, 4)
	node := rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				closed <- struct{}{}
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	g, addr := startLoopWith(t, fmt.Sprintf(`
upstreams:
  - {id: u1, nodes: {%q: 1}, keepalive_pool: {idle_timeout: 0.3}}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, node))
	lc := dialLoop(t, addr)
	start := time.Now()
	if _, body := lc.get("/"); body != "ok" {
		t.Fatalf("got %q", body)
	}
	select {
	case <-closed:
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("closed after %v; want the 0.3 s idle timeout", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the idle upstream connection is still open after 3 s")
	}
	if _, body := lc.get("/"); body != "ok" {
		t.Fatalf("after the idle close: %q", body)
	}
	requireCounts(t, g, 2, 0)
}
