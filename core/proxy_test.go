package core

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/jetwayhq/jetway/bench/testbed"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestProxyWeightedRoundRobin(t *testing.T) {
	a := backend(t, named("a"))
	b := backend(t, named("b"))
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 3, %q: 1}
routes:
  - id: r1
    uri: /*
    upstream_id: u1
`, a, b))
	c := &http.Client{}
	var seq strings.Builder
	for range 8 {
		status, body, _ := get(t, c, base+"/x")
		if status != 200 {
			t.Fatalf("status = %d; want 200", status)
		}
		seq.WriteString(body)
	}
	// nginx's smooth weighted round robin for {a:3, b:1}: a a b a.
	if got, want := seq.String(), "aabaaaba"; got != want {
		t.Errorf("sequence = %q; want %q", got, want)
	}
}

func TestProxyNoRoute(t *testing.T) {
	a := backend(t, named("a"))
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - id: r1
    uri: /only
    upstream_id: u1
`, a))
	status, body, _ := get(t, http.DefaultClient, base+"/other")
	if status != 404 || strings.TrimSpace(body) != `{"error_msg":"404 Route Not Found"}` {
		t.Errorf("GET /other = %d %q; want 404 route not found", status, body)
	}
}

func TestProxyErrorStatuses(t *testing.T) {
	hang := backend(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	refused := closedAddr(t)
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: empty
    nodes: []
  - id: refused
    nodes: {%q: 1}
  - id: hang
    nodes: {%q: 1}
    timeout: {connect: 1, send: 1, read: 0.3}
routes:
  - {id: r503, uri: /503, upstream_id: empty}
  - {id: r502, uri: /502, upstream_id: refused}
  - {id: r504, uri: /504, upstream_id: hang}
`, refused, hang))
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/503", 503}, {"/502", 502}, {"/504", 504},
	} {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			status, body, _ := get(t, http.DefaultClient, base+tc.path)
			if status != tc.want {
				t.Errorf("GET %s = %d %q; want %d", tc.path, status, body, tc.want)
			}
			if !strings.Contains(body, "error_msg") {
				t.Errorf("body = %q; want a JSON error_msg", body)
			}
			if tc.want == 504 && time.Since(start) > 2*time.Second {
				t.Errorf("504 took %v; want about the 0.3 s read timeout", time.Since(start))
			}
		})
	}
}

func TestProxyHopByHopAndForwardedHeaders(t *testing.T) {
	var got http.Header
	var gotHost string
	var mu sync.Mutex
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got, gotHost = r.Header.Clone(), r.Host
		mu.Unlock()
		w.Header().Set("Connection", "X-Resp-Hop")
		w.Header().Set("X-Resp-Hop", "1")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("Proxy-Authenticate", "Basic")
		w.Header().Set("X-End", "kept")
		io.WriteString(w, "ok")
	})
	_, base := startGateway(t, catchAll(a))
	// Header names in odd cases: hop-by-hop handling ignores case.
	req := "GET /h?q=1 HTTP/1.1\r\nHost: example.com\r\n" +
		"connection: keep-alive, x-HOP\r\nX-Hop: secret\r\nkeep-alive: 300\r\n" +
		"PROXY-CONNECTION: keep-alive\r\nProxy-authorization: Basic Zm9v\r\n" +
		"te: trailers, deflate\r\nupgrade: h2c\r\nx-forwarded-for: 10.1.1.1\r\n" +
		"X-End: e2e\r\n\r\n"
	resp, _ := rawExchange(t, base, req)

	mu.Lock()
	defer mu.Unlock()
	for _, h := range []string{"X-Hop", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Upgrade"} {
		if v := got.Get(h); v != "" {
			t.Errorf("upstream got %s: %q; want it stripped", h, v)
		}
	}
	if v := got.Get("Te"); v != "trailers" {
		t.Errorf("upstream TE = %q; want trailers", v)
	}
	if v := got.Get("X-End"); v != "e2e" {
		t.Errorf("upstream X-End = %q; want e2e", v)
	}
	if gotHost != "example.com" {
		t.Errorf("upstream Host = %q; want example.com (pass_host pass)", gotHost)
	}
	for h, want := range map[string]string{
		"X-Forwarded-For":   "10.1.1.1, 127.0.0.1",
		"X-Real-Ip":         "127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  "example.com",
		"X-Forwarded-Port":  base[strings.LastIndex(base, ":")+1:],
	} {
		if v := got.Get(h); v != want {
			t.Errorf("upstream %s = %q; want %q", h, v, want)
		}
	}
	for _, h := range []string{"X-Resp-Hop", "Keep-Alive", "Proxy-Authenticate"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("client got %s: %q; want it stripped", h, v)
		}
	}
	if v := resp.Header.Get("X-End"); v != "kept" {
		t.Errorf("client X-End = %q; want kept", v)
	}
}

func TestProxyPassHost(t *testing.T) {
	hosts := make(chan string, 1)
	a := backend(t, func(w http.ResponseWriter, r *http.Request) { hosts <- r.Host })
	for _, tc := range []struct {
		name, extra, want string
	}{
		{"pass", "pass_host: pass", "client.example"},
		{"node", "pass_host: node", a},
		{"rewrite", "{pass_host: rewrite, upstream_host: up.example}", "up.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := tc.extra
			if !strings.HasPrefix(extra, "{") {
				extra = "{" + extra + "}"
			}
			_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    %s
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a, strings.Trim(strings.ReplaceAll(extra, ", ", "\n    "), "{}")))
			req, _ := http.NewRequest("GET", base+"/", nil)
			req.Host = "client.example"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := <-hosts; got != tc.want {
				t.Errorf("upstream Host = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestProxyRetriesConnectFailureAnyMethod(t *testing.T) {
	a := backend(t, named("a"))
	dead := closedAddr(t)
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, dead, a))
	for i := range 6 {
		if status, b := post(t, base+"/p", "body"); status != 200 || b != "a" {
			t.Fatalf("POST #%d = %d %q; want 200 from a (connect failure retried)", i, status, b)
		}
	}
}

// dropper reads a request and closes the connection without answering; it
// counts the requests it saw.
func dropper(t *testing.T) (string, *atomic.Int32) {
	var n atomic.Int32
	addr := rawBackend(t, func(c net.Conn) {
		r, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		io.Copy(io.Discard, r.Body)
		n.Add(1)
	})
	return addr, &n
}

func TestProxyNeverReplaysPostThatReachedBackend(t *testing.T) {
	d1, n1 := dropper(t)
	d2, n2 := dropper(t)
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, d1, d2))
	resp, err := http.Post(base+"/p", "text/plain", strings.NewReader("once"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Errorf("POST status = %d; want 502", resp.StatusCode)
	}
	if got := n1.Load() + n2.Load(); got != 1 {
		t.Errorf("backends saw %d POSTs; want exactly 1", got)
	}
	resp, err = http.Get(base + "/g")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := n1.Load() + n2.Load(); got != 3 {
		t.Errorf("after a GET backends saw %d requests; want 3 (GET retried on the other node)", got)
	}
}

func TestProxyStaleKeepaliveNeverReachesClient(t *testing.T) {
	// The backend closes idle keep-alive connections after 50 ms; with one
	// node and no retries, a GET after the close must still succeed.
	addr := serveOn(t, &http.Server{Handler: named("a"), IdleTimeout: 50 * time.Millisecond})
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    retries: 0
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, addr))
	c := &http.Client{}
	for i := range 5 {
		status, body, _ := get(t, c, base+"/")
		if status != 200 || body != "a" {
			t.Fatalf("GET #%d = %d %q; want 200 a", i, status, body)
		}
		time.Sleep(120 * time.Millisecond)
	}
}

func TestProxyKeepalivePoolRequests(t *testing.T) {
	var conns atomic.Int32
	srv := &http.Server{Handler: named("a"), ConnState: func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}}
	addr := serveOn(t, srv)
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    keepalive_pool: {size: 4, idle_timeout: 30, requests: 3}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, addr))
	c := &http.Client{}
	for range 9 {
		if status, _, _ := get(t, c, base+"/"); status != 200 {
			t.Fatalf("status = %d", status)
		}
	}
	if got := conns.Load(); got != 3 {
		t.Errorf("upstream connections = %d; want 3 (9 sequential requests, 3 per connection)", got)
	}
}

func TestProxyBodiesBothWays(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"len": len(b), "te": r.TransferEncoding, "cl": r.ContentLength})
	})
	_, base := startGateway(t, catchAll(a))
	for _, n := range []int{1, 1000, bufferedBodyMax, bufferedBodyMax + 1, 3 << 20} {
		body := bytes.Repeat([]byte("x"), n)
		resp, err := http.Post(base+"/u", "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Len int }
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if got.Len != n {
			t.Errorf("upload of %d bytes: backend read %d", n, got.Len)
		}
	}
	// A chunked upload of unknown length.
	pr, pw := io.Pipe()
	go func() {
		for range 100 {
			pw.Write(bytes.Repeat([]byte("y"), 1000))
		}
		pw.Close()
	}()
	resp, err := http.Post(base+"/u", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Len int }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if got.Len != 100000 {
		t.Errorf("chunked upload: backend read %d; want 100000", got.Len)
	}
}

func TestProxyResponseCutShortStaysCutShort(t *testing.T) {
	addr := rawBackend(t, func(c net.Conn) {
		r, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		if r.URL.Path == "/chunked" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			for range 20 {
				io.WriteString(c, "1000\r\n"+strings.Repeat("c", 0x1000)+"\r\n")
			}
			return // no final chunk
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
		c.Write(bytes.Repeat([]byte("z"), 300000))
	})
	_, base := startGateway(t, catchAll(addr))
	for _, path := range []string{"/fixed", "/chunked"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("read %d bytes and a clean end; want the body visibly cut short", n)
			}
		})
	}
}

func TestProxyHeadKeepsContentLength(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "12345")
		if r.Method != "HEAD" {
			w.Write(bytes.Repeat([]byte("h"), 12345))
		}
	})
	_, base := startGateway(t, catchAll(a))
	resp, err := http.Head(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ContentLength != 12345 {
		t.Errorf("HEAD Content-Length = %d; want 12345", resp.ContentLength)
	}
	status, body, _ := get(t, http.DefaultClient, base+"/")
	if status != 200 || len(body) != 12345 {
		t.Errorf("GET after HEAD = %d, %d bytes; want 200, 12345", status, len(body))
	}
}

func TestProxyConnectTimeoutRetriedForPost(t *testing.T) {
	// 127.0.0.1 answers every connect at once, so a connect timeout needs
	// a listener whose accept queue is full: backlog 1, never accepted.
	full := fullListener(t)
	a := backend(t, named("a"))
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    timeout: {connect: 0.2, send: 1, read: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, full, a))
	for i := range 4 {
		if status, b := post(t, base+"/p", "x"); status != 200 || b != "a" {
			t.Fatalf("POST #%d = %d %q; want 200 a (a connect timeout sent nothing, so it is retried)", i, status, b)
		}
	}
}

func TestProxyHTTP10ClientGetsHTTP11Upstream(t *testing.T) {
	protos := make(chan string, 1)
	a := backend(t, func(w http.ResponseWriter, r *http.Request) { protos <- r.Proto; io.WriteString(w, "ok") })
	_, base := startGateway(t, catchAll(a))
	resp, b := rawExchange(t, base, "GET / HTTP/1.0\r\n\r\n")
	if resp.StatusCode != 200 || b != "ok" {
		t.Errorf("HTTP/1.0 GET = %d %q; want 200 ok", resp.StatusCode, b)
	}
	select {
	case p := <-protos:
		if p != "HTTP/1.1" {
			t.Errorf("upstream protocol = %s; want HTTP/1.1", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the backend saw no request")
	}
}

func TestProxySendTimeout(t *testing.T) {
	// A node that accepts and never reads: a streamed upload stalls once
	// the socket buffers fill, and the send timeout ends it.
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	addr := rawBackend(t, func(net.Conn) { <-done })
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    timeout: {connect: 1, send: 0.3, read: 5}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, addr))
	start := time.Now()
	body := io.LimitReader(zeros{}, 256<<20)
	resp, err := http.Post(base+"/up", "application/octet-stream", body)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 504 {
			t.Errorf("stalled upload: status = %d; want 504", resp.StatusCode)
		}
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("stalled upload took %v; want it ended by the 0.3 s send timeout", d)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestProxyKeepalivePoolSizeAndIdleTimeout(t *testing.T) {
	be := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    keepalive_pool: {size: 2, idle_timeout: 0.5, requests: 1000}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, be.Addr))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(base + "/sleep?ms=200")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	time.Sleep(50 * time.Millisecond)
	// /count itself uses a connection of its own (not through Jetway).
	if open := be.Counts(t).Open - 1; open > 2 {
		t.Errorf("after 8 concurrent requests %d upstream connections stay open; want at most keepalive_pool.size 2", open)
	}
	time.Sleep(2 * time.Second)
	if open := be.Counts(t).Open - 1; open != 0 {
		t.Errorf("after idle_timeout %d upstream connections stay open; want 0", open)
	}
}

func TestProxyRequestForms(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", r.Method, r.RequestURI, r.Host)
	})
	_, base := startGateway(t, catchAll(a))
	for _, tc := range []struct {
		req    string
		status int
		body   string
	}{
		// absolute-form: the target's host wins (RFC 9112 §3.2.2); the
		// node gets origin-form.
		{"GET http://other.example/abs?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", 200, "GET /abs?x=1 other.example"},
		{"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405, `{"error_msg":"405 Method Not Allowed: CONNECT is not supported"}` + "\n"},
	} {
		resp, b := rawExchange(t, base, tc.req)
		if resp.StatusCode != tc.status || b != tc.body {
			t.Errorf("%q = %d %q; want %d %q", strings.SplitN(tc.req, "\r\n", 2)[0], resp.StatusCode, b, tc.status, tc.body)
		}
	}
}

// TestProxyMalformedChunkMidStream sends a chunked upload whose framing
// breaks after its head went upstream: the client gets 400 with the
// reason, the connection closes, and the node is not blamed.
func TestProxyMalformedChunkMidStream(t *testing.T) {
	got := make(chan error, 1)
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		got <- err
	})
	g, base := startGateway(t, catchAll(a))
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	time.Sleep(200 * time.Millisecond) // the upload is streaming upstream
	io.WriteString(c, "zz\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || string(body) != `{"error_msg":"malformed chunked body"}`+"\n" {
		t.Errorf("got %d %q; want 400 malformed chunked body", resp.StatusCode, body)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the refusal: %v; want the connection closed", err)
	}
	select {
	case err := <-got:
		if err == nil {
			t.Error("the backend read a whole body; want it cut short")
		}
	case <-time.After(3 * time.Second):
		t.Error("the backend never saw the upload end")
	}
	node := g.Snapshot().upstreams["u1"].targets[0].Node
	if f, e := node.ConsecutiveFailures(), node.LastError(); f != 0 || e != nil {
		t.Errorf("node failures %d, last error %+v; want none: the client broke the framing", f, e)
	}
}

// TestProxyResponseDateAndContentType: the client gets Jetway's Date in
// place of the node's (RFC 9110 §6.6.1, as nginx), and no Content-Type the
// node did not send.
func TestProxyResponseDateAndContentType(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no sniffing: none at all
		w.Header().Set("Date", "Mon, 01 Jan 2001 00:00:00 GMT")
		io.WriteString(w, "body")
	})
	_, base := startGateway(t, catchAll(a))
	resp, body := rawExchange(t, base, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if body != "body" {
		t.Fatalf("body %q", body)
	}
	if d := resp.Header.Values("Date"); len(d) != 1 {
		t.Errorf("Date fields %q; want one", d)
	} else if at, err := http.ParseTime(d[0]); err != nil || time.Since(at) > time.Minute {
		t.Errorf("Date %q; want Jetway's clock, not the node's", d[0])
	}
	if ct, ok := resp.Header["Content-Type"]; ok {
		t.Errorf("Content-Type %q; want none, as the node sent", ct)
	}
}
