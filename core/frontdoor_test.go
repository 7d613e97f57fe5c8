package core

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// fdQuietLogger drops fasthttp's log lines; every refusal in these tests
// would otherwise print one.
type fdQuietLogger struct{}

func (fdQuietLogger) Printf(string, ...any) {}

// fdServer is a real fasthttp.Server on 127.0.0.1 behind the front door.
type fdServer struct {
	addr string
	srv  *fasthttp.Server
	// handled counts requests that reached the handler, so a test can tell
	// a refusal by fasthttp's parser from one by frontDoorCheck.
	handled atomic.Int64
}

// fdServe starts a server whose handler runs frontDoorCheck and otherwise
// answers 200 "ok". tune, when set, adjusts the server before the front door
// is applied.
func fdServe(t testing.TB, l frontDoorLimits, tune func(*fasthttp.Server)) *fdServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fdServer{addr: ln.Addr().String()}
	fs.srv = &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			fs.handled.Add(1)
			if !frontDoorCheck(ctx) {
				return
			}
			ctx.SetBodyString("ok")
		},
		Logger:             fdQuietLogger{},
		ReadTimeout:        5 * time.Second,
		MaxRequestBodySize: 1 << 20,
		CloseOnShutdown:    true,
	}
	if tune != nil {
		tune(fs.srv)
	}
	frontDoorServer(fs.srv, l)
	done := make(chan error, 1)
	go func() { done <- fs.srv.Serve(frontDoorListen(ln, l)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := fs.srv.ShutdownWithContext(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		// Shutdown closes only the listeners Serve has registered; a test
		// that ends at once may get here before Serve did.
		ln.Close()
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return fs
}

// fdConn is one client connection speaking raw bytes.
type fdConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func fdDial(t testing.TB, addr string) *fdConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &fdConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *fdConn) send(raw string) {
	c.t.Helper()
	if err := c.c.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		c.t.Fatal(err)
	}
	if _, err := io.WriteString(c.c, raw); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// halfClose shuts the client's write side, so the server reads EOF.
func (c *fdConn) halfClose() {
	c.t.Helper()
	if err := c.c.(*net.TCPConn).CloseWrite(); err != nil {
		c.t.Fatal(err)
	}
}

// fdResponse is one parsed response.
type fdResponse struct {
	status int
	header http.Header
	body   []byte
}

// response reads the next final response, parsed by net/http's reader so
// that the parser under test is not also the oracle. Interim (1xx)
// responses before it are skipped.
func (c *fdConn) response() fdResponse {
	c.t.Helper()
	if err := c.c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		c.t.Fatal(err)
	}
	for range 4 {
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			c.t.Fatalf("reading response: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			c.t.Fatalf("reading response body: %v", err)
		}
		if resp.StatusCode >= 200 {
			return fdResponse{status: resp.StatusCode, header: resp.Header, body: body}
		}
	}
	c.t.Fatal("no final response after 4 interim ones")
	return fdResponse{}
}

// expectClosed fails unless the server closes the connection within the
// deadline and sends nothing more.
func (c *fdConn) expectClosed() {
	c.t.Helper()
	if err := c.c.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
		c.t.Fatal(err)
	}
	var buf [256]byte
	n, err := c.br.Read(buf[:])
	switch {
	case n > 0:
		c.t.Fatalf("after the response: %q, want the connection closed", buf[:n])
	case errors.Is(err, io.EOF):
	case fdIsTimeout(err):
		c.t.Fatal("connection still open after the response; want it closed")
	default:
		c.t.Fatalf("after the response: %v, want EOF", err)
	}
}

func fdIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// expectServes fails unless a valid request on the connection gets 200 "ok".
func (c *fdConn) expectServes() {
	c.t.Helper()
	c.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
	r := c.response()
	if r.status != fasthttp.StatusOK || string(r.body) != "ok" {
		c.t.Fatalf("follow-up request: %d %q, want 200 \"ok\"", r.status, r.body)
	}
}

// fdErrorMsg returns error_msg of a JSON error body, failing if the body is
// not one.
func fdErrorMsg(t testing.TB, r fdResponse) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q; want application/json", ct)
	}
	var v struct {
		ErrorMsg string `json:"error_msg"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || v.ErrorMsg == "" {
		t.Fatalf("body %q is not {\"error_msg\":\"...\"} (%v)", r.body, err)
	}
	return v.ErrorMsg
}

// fdHead is a GET request whose request line is lineLen bytes and whose
// header section (Host plus one padding field) is sectionLen bytes.
func fdHead(lineLen, sectionLen int) string {
	const lineFix = len("GET /") + len(" HTTP/1.1")
	const sectionFix = len("Host: a\r\n") + len("X-Pad: \r\n")
	return "GET /" + strings.Repeat("l", lineLen-lineFix) + " HTTP/1.1\r\n" +
		"Host: a\r\nX-Pad: " + strings.Repeat("h", sectionLen-sectionFix) + "\r\n\r\n"
}

// fdCase is one request sent on a fresh connection.
type fdCase struct {
	name   string
	req    string
	status int
	// reason is the expected error_msg of a refusal.
	reason string
	// close: the server closes the connection after answering. Otherwise a
	// valid request on the same connection must still be served.
	close bool
	// parser: the request is refused before any handler runs, by the
	// stream scan or fasthttp's parser. Otherwise the request reaches the
	// handler and frontDoorCheck decides.
	parser bool
	// halfClose: the client shuts its write side after sending.
	halfClose bool
}

// fdCases run against a server with the default limits.
var fdCases = []fdCase{
	// Requests that must pass.
	{name: "plain GET", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 200},
	{name: "HTTP/1.0 without Host, keep-alive", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: 200},
	{name: "HTTP/1.0 without Host", req: "GET /x HTTP/1.0\r\n\r\n", status: 200, close: true},
	{name: "absolute-form target", req: "GET http://example.com/x?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 200},
	{name: "absolute-form https with port", req: "GET https://example.com:8443/ HTTP/1.1\r\nHost: example.com:8443\r\n\r\n", status: 200},
	{name: "asterisk-form OPTIONS", req: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", status: 200},
	{name: "Transfer-Encoding chunked alone", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 200},
	{name: "Transfer-Encoding chunked, any case, with OWS", req: "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: \tChunKed \r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 200},
	{name: "Content-Length body", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", status: 200},
	{name: "Expect: 100-continue", req: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", status: 200},
	{name: "header section exactly at the limit", req: fdHead(64, frontDoorDefaultMaxHeaderBytes), status: 200},
	{name: "request line exactly at the limit", req: fdHead(frontDoorDefaultMaxRequestLineBytes, 64), status: 200},
	{name: "request line and header section both at the limit", req: "\r\n" + fdHead(frontDoorDefaultMaxRequestLineBytes, frontDoorDefaultMaxHeaderBytes), status: 200},
	{name: "empty line before the request line", req: "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 200},
	{name: "@ in path and query", req: "GET /users/@me?to=a@b HTTP/1.1\r\nHost: a\r\n\r\n", status: 200},
	{name: "path starting with //", req: "GET //x/y HTTP/1.1\r\nHost: a\r\n\r\n", status: 200},
	{name: "Host with port", req: "GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", status: 200},
	{name: "Host IPv6 literal", req: "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", status: 200},
	{name: "obs-text and empty field values", req: "GET / HTTP/1.1\r\nHost: a\r\nX-Latin: caf\xe9\r\nX-Empty:\r\n\r\n", status: 200},
	{name: "token characters in field name", req: "GET / HTTP/1.1\r\nHost: a\r\nX!#$%&'*+-.^_`|~9: v\r\n\r\n", status: 200},

	// obs-fold, bare LF, field names: RFC 9112 §2.2, §5.1, §5.2.
	{name: "obs-fold with SP", req: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", status: 400, reason: "obsolete line folding", close: true, parser: true},
	{name: "obs-fold with HTAB", req: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", status: 400, reason: "obsolete line folding", close: true, parser: true},
	{name: "obs-fold hiding Transfer-Encoding", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n", status: 400, reason: "obsolete line folding", close: true, parser: true},
	{name: "whitespace before the first field", req: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", status: 400, reason: "whitespace before the first header field", close: true, parser: true},
	{name: "bare LF ending the request line", req: "GET / HTTP/1.1\nHost: a\r\n\r\n", status: 400, reason: "request line not ended by CRLF", close: true, parser: true},
	{name: "bare LF empty line after a field-less HTTP/1.0 head", req: "GET / HTTP/1.0\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "header line not ended by CRLF", close: true, parser: true},
	{name: "bare LF empty line before the request line", req: "\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "request line not ended by CRLF", close: true, parser: true},
	{name: "bare LF ending a field line", req: "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", status: 400, reason: "header line not ended by CRLF", close: true, parser: true},
	{name: "bare LF ending the last field line, pipelined", req: "GET / HTTP/1.1\r\nHost: a\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "header line not ended by CRLF", close: true, parser: true},
	{name: "bare LF ending the last field line", req: "GET / HTTP/1.1\r\nHost: a\n\r\n", status: 400, reason: "header line not ended by CRLF", close: true, parser: true, halfClose: true},
	{name: "bare LF empty line, pipelined", req: "GET / HTTP/1.1\r\nHost: a\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "header line not ended by CRLF", close: true, parser: true},
	{name: "bare LF everywhere", req: "GET / HTTP/1.1\nHost: a\n\n", status: 400, reason: "request line not ended by CRLF", close: true, parser: true, halfClose: true},
	{name: "space inside field name", req: "GET / HTTP/1.1\r\nHost: a\r\nFoo Bar: x\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "space before colon", req: "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "space before colon in Host", req: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "HTAB inside field name", req: "GET / HTTP/1.1\r\nHost: a\r\nFoo\tBar: x\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "separator in field name", req: "GET / HTTP/1.1\r\nHost: a\r\nFoo(: x\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "non-ASCII field name", req: "GET / HTTP/1.1\r\nHost: a\r\nF\xc3\xb6: x\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "empty field name", req: "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "field line without colon", req: "GET / HTTP/1.1\r\nHost: a\r\nJunk\r\n\r\n", status: 400, reason: "invalid header field name", close: true, parser: true},
	{name: "CR inside field value", req: "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", status: 400, reason: "invalid header field value", close: true, parser: true},
	{name: "NUL inside field value", req: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", status: 400, reason: "invalid header field value", close: true, parser: true},

	// Host: RFC 9112 §3.2, RFC 9110 §7.2, §4.2.4.
	{name: "Host with user and password", req: "GET / HTTP/1.1\r\nHost: user:pw@a\r\n\r\n", status: 400, reason: "userinfo in Host header"},
	{name: "Host with user", req: "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", status: 400, reason: "userinfo in Host header"},
	{name: "Host with empty userinfo", req: "GET / HTTP/1.1\r\nHost: @a\r\n\r\n", status: 400, reason: "userinfo in Host header"},
	{name: "absolute-form target with userinfo", req: "GET http://user:pw@a/x HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "userinfo in request target"},
	{name: "absolute-form target with empty userinfo", req: "GET http://@a/x HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "userinfo in request target"},
	{name: "authority-form target with userinfo", req: "CONNECT user@a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", status: 400, reason: "userinfo in request target"},
	{name: "origin-form target read as authority", req: "GET //user:pw@evil/x?next=http://b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "ambiguous request target"},
	{name: "origin-form target read as authority without Host", req: "GET //evil/x HTTP/1.0\r\n\r\n", status: 400, reason: "ambiguous request target", close: true},
	{name: "missing Host", req: "GET / HTTP/1.1\r\n\r\n", status: 400, reason: "missing Host header", close: true, parser: true},
	{name: "empty Host", req: "GET / HTTP/1.1\r\nHost:\r\n\r\n", status: 400, reason: "missing Host header", close: true, parser: true},
	{name: "absolute-form target without Host", req: "GET http://a/ HTTP/1.1\r\n\r\n", status: 400, reason: "missing Host header", close: true, parser: true},
	{name: "two Host headers", req: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400, reason: "multiple Host headers", close: true, parser: true},
	{name: "two Host headers, equal, other case", req: "GET / HTTP/1.1\r\nHost: a\r\nhOST: a\r\n\r\n", status: 400, reason: "multiple Host headers", close: true, parser: true},
	{name: "Host with two port delimiters", req: "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", status: 400, reason: "invalid Host header", close: true, parser: true},

	// Framing: RFC 9112 §6.1, §6.3.
	{name: "two Content-Length, equal", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", status: 400, reason: "duplicate Content-Length", close: true, parser: true},
	{name: "two Content-Length, different", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nxy", status: 400, reason: "duplicate Content-Length", close: true, parser: true},
	{name: "Content-Length list", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx", status: 400, reason: "invalid Content-Length", close: true, parser: true},
	{name: "Content-Length with sign", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", status: 400, reason: "invalid Content-Length", close: true, parser: true},
	{name: "Content-Length negative", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", status: 400, reason: "invalid Content-Length", close: true, parser: true},
	{name: "Content-Length not a number", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", status: 400, reason: "invalid Content-Length", close: true, parser: true},
	{name: "Content-Length empty", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", status: 400, reason: "invalid Content-Length", close: true, parser: true},
	{name: "Content-Length then Transfer-Encoding", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 400, reason: "both Content-Length and Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding then Content-Length", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 400, reason: "both Content-Length and Transfer-Encoding", close: true, parser: true},
	{name: "Content-Length and Transfer-Encoding after Expect: 100-continue", req: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 400, reason: "both Content-Length and Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding identity", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", status: 400, reason: "unsupported Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding identity with Content-Length", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n\r\nx", status: 400, reason: "both Content-Length and Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding gzip", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400, reason: "unsupported Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding gzip, chunked", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 400, reason: "unsupported Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding chunked, gzip", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", status: 400, reason: "unsupported Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding chunked twice", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, reason: "unsupported Transfer-Encoding", close: true, parser: true},
	{name: "Transfer-Encoding in HTTP/1.0", req: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, reason: "unsupported Transfer-Encoding", close: true, parser: true},
	{name: "chunk size too large", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n", status: 400, reason: "malformed chunked body", close: true, parser: true},
	{name: "chunk size with junk", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n", status: 400, reason: "malformed chunked body", close: true, parser: true},
	{name: "broken chunk size", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", status: 400, reason: "malformed chunked body", close: true, parser: true},
	{name: "body over the server limit", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n", status: 413, reason: "request body too large", close: true, parser: true},

	// Versions: RFC 9112 §2.3, RFC 9110 §15.6.6.
	{name: "HTTP/1.2", req: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", status: 505, reason: "HTTP version not supported", close: true},
	{name: "HTTP/2.0 in an HTTP/1 request line", req: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505, reason: "HTTP version not supported", close: true},
	{name: "HTTP/0.9 version", req: "GET / HTTP/0.9\r\nHost: a\r\n\r\n", status: 505, reason: "HTTP version not supported", close: true},
	{name: "HTTP/3", req: "GET / HTTP/3\r\nHost: a\r\n\r\n", status: 505, reason: "HTTP version not supported", close: true, parser: true},
	{name: "HTTP/2", req: "GET / HTTP/2\r\nHost: a\r\n\r\n", status: 505, reason: "HTTP version not supported", close: true, parser: true},
	{name: "HTTP/2 connection preface", req: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: 400, reason: "invalid request target", close: true, parser: true},
	{name: "lower case version", req: "GET / http/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "malformed request line", close: true, parser: true},
	{name: "two spaces in request line", req: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "malformed request line", close: true, parser: true},
	{name: "separator in method", req: "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "malformed request line", close: true, parser: true},
	{name: "no method", req: " / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "malformed request line", close: true, parser: true},
	{name: "empty target", req: "GET  HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "invalid request target", close: true, parser: true},
	{name: "no version", req: "GET /\r\nHost: a\r\n\r\n", status: 400, reason: "malformed request line", close: true, parser: true},
	{name: "control byte in target", req: "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, reason: "invalid request target", close: true, parser: true},

	// Sizes: the stream scan measures them exactly.
	{name: "header section one byte over the limit", req: fdHead(64, frontDoorDefaultMaxHeaderBytes+1), status: 431, reason: "request header fields too large", close: true, parser: true},
	{name: "request line one byte over the limit", req: fdHead(frontDoorDefaultMaxRequestLineBytes+1, 64), status: 414, reason: "request line too long", close: true, parser: true},
}

func TestFrontDoorRequests(t *testing.T) {
	s := fdServe(t, frontDoorLimits{}, nil)
	for _, tc := range fdCases {
		t.Run(tc.name, func(t *testing.T) {
			fdRun(t, s, tc)
		})
	}
}

// fdRun sends tc.req on a fresh connection and checks the answer, the
// connection's fate and which layer decided.
func fdRun(t *testing.T, s *fdServer, tc fdCase) {
	t.Helper()
	before := s.handled.Load()
	c := fdDial(t, s.addr)
	c.send(tc.req)
	if tc.halfClose {
		c.halfClose()
	}
	r := c.response()
	if r.status != tc.status {
		t.Fatalf("status = %d; want %d (body %q)", r.status, tc.status, r.body)
	}
	if tc.status == fasthttp.StatusOK {
		if string(r.body) != "ok" {
			t.Fatalf("body = %q; want \"ok\"", r.body)
		}
	} else if got := fdErrorMsg(t, r); got != tc.reason {
		t.Fatalf("error_msg = %q; want %q", got, tc.reason)
	}
	if tc.close {
		c.expectClosed()
	} else {
		if r.header.Get("Connection") == "close" {
			t.Fatal("response says Connection: close; want the connection kept")
		}
		c.expectServes()
	}
	handled := s.handled.Load() - before
	if !tc.close {
		handled-- // the follow-up request
	}
	if tc.parser && handled != 0 {
		t.Fatalf("handler ran %d times; want the parser to refuse first", handled)
	}
	if !tc.parser && handled != 1 {
		t.Fatalf("handler ran %d times; want 1", handled)
	}
}

// TestFrontDoorPipelinedRequestLine sends a good request and, behind it on
// the same connection, one whose request line ends in a bare LF: the first
// is served, the second refused, and the connection closed.
func TestFrontDoorPipelinedRequestLine(t *testing.T) {
	s := fdServe(t, frontDoorLimits{}, nil)
	c := fdDial(t, s.addr)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\nHost: a\r\n\r\n")
	if r := c.response(); r.status != fasthttp.StatusOK {
		t.Fatalf("first request: %d %q; want 200", r.status, r.body)
	}
	r := c.response()
	if r.status != fasthttp.StatusBadRequest || fdErrorMsg(t, r) != "request line not ended by CRLF" {
		t.Fatalf("second request: %d %q; want 400, request line not ended by CRLF", r.status, r.body)
	}
	c.expectClosed()
}

func TestFrontDoorConfiguredLimits(t *testing.T) {
	l := frontDoorLimits{MaxHeaderBytes: 512, MaxRequestLineBytes: 128}
	s := fdServe(t, l, nil)
	if got, want := s.srv.ReadBufferSize, 2+128+2+512+2; got != want {
		t.Fatalf("ReadBufferSize = %d; want %d", got, want)
	}
	size := s.srv.ReadBufferSize
	// A head that fills the read buffer without ending is refused by fasthttp
	// before any handler runs. Exactly size bytes are sent, so the server has
	// read all of them when it closes.
	fill := "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: "
	for _, tc := range []fdCase{
		{name: "both at the limits", req: "\r\n" + fdHead(128, 512), status: 200},
		{name: "header section at the limit", req: fdHead(32, 512), status: 200},
		{name: "header section over the limit", req: fdHead(32, 513), status: 431, reason: "request header fields too large", close: true, parser: true},
		{name: "request line at the limit", req: fdHead(128, 32), status: 200},
		{name: "request line over the limit", req: fdHead(129, 32), status: 414, reason: "request line too long", close: true, parser: true},
		{name: "request line over the limit, header section under", req: fdHead(128+512-32, 32), status: 414, reason: "request line too long", close: true, parser: true},
		{name: "header section filling the read buffer", req: fill + strings.Repeat("h", size-len(fill)), status: 431, reason: "request header fields too large", close: true, parser: true},
		// The stream scan sees the request line has not ended within its
		// limit long before the read buffer fills.
		{name: "request line filling the read buffer", req: "GET /" + strings.Repeat("l", size-len("GET /")), status: 414, reason: "request line too long", close: true, parser: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fdRun(t, s, tc)
		})
	}
}

func TestFrontDoorHeadTimeout(t *testing.T) {
	s := fdServe(t, frontDoorLimits{}, func(s *fasthttp.Server) { s.ReadTimeout = 100 * time.Millisecond })
	c := fdDial(t, s.addr)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n")
	r := c.response()
	if r.status != fasthttp.StatusRequestTimeout {
		t.Fatalf("status = %d; want 408", r.status)
	}
	if got := fdErrorMsg(t, r); got != "request timeout" {
		t.Fatalf("error_msg = %q; want \"request timeout\"", got)
	}
	c.expectClosed()
	if n := s.handled.Load(); n != 0 {
		t.Fatalf("handler ran %d times; want 0", n)
	}
}

func TestFrontDoorHeadRequestRefusal(t *testing.T) {
	s := fdServe(t, frontDoorLimits{}, nil)
	c := fdDial(t, s.addr)
	c.send("HEAD / HTTP/1.1\r\nHost: u@a\r\n\r\n")
	if err := c.c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != fasthttp.StatusBadRequest {
		t.Fatalf("status = %d; want 400", resp.StatusCode)
	}
	c.expectServes()
}

func TestFrontDoorScan(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want frontDoorFault
	}{
		{"empty", "", fdOK},
		{"one field", "Host: a\r\n\r\n", fdOK},
		{"tokens", "A-b_c.d~e: v\r\n\r\n", fdOK},
		{"chunked", "Transfer-Encoding: chunked\r\n\r\n", fdOK},
		{"chunked, upper case, OWS", "TRANSFER-ENCODING:\t CHUNKED \t\r\n\r\n", fdOK},
		{"no empty line", "Host: a\r\n", fdOK},
		{"bare LF field line", "Host: a\nX: y\r\n\r\n", fdLineEnding},
		{"bare LF empty line", "Host: a\r\n\n", fdLineEnding},
		{"unterminated line (more to come)", "Host: a", fdOK},
		{"LF first", "\n", fdLineEnding},
		{"CR without LF (more to come)", "Host: a\r", fdOK},
		{"CR then other at a line start", "Host: a\r\n\rX: b\r\n\r\n", fdLineEnding},
		{"obs-fold SP", "X: a\r\n b\r\n\r\n", fdObsFold},
		{"obs-fold HTAB", "X: a\r\n\tb\r\n\r\n", fdObsFold},
		{"leading SP", " Host: a\r\n\r\n", fdLeadingWhitespace},
		{"Content-Length with sign", "Content-Length: +1\r\n\r\n", fdContentLength},
		{"Content-Length list", "Content-Length: 1,1\r\n\r\n", fdContentLength},
		{"Content-Length empty", "Content-Length: \r\n\r\n", fdContentLength},
		{"Content-Length of 19 digits", "Content-Length: 1000000000000000000\r\n\r\n", fdContentLength},
		{"space in name", "Foo Bar: x\r\n\r\n", fdFieldName},
		{"space before colon", "Host : a\r\n\r\n", fdFieldName},
		{"HTAB before colon", "Host\t: a\r\n\r\n", fdFieldName},
		{"no colon", "Host\r\n\r\n", fdFieldName},
		{"empty name", ": x\r\n\r\n", fdFieldName},
		{"separator in name", "a/b: x\r\n\r\n", fdFieldName},
		{"non-ASCII name", "\xc3\xb6: x\r\n\r\n", fdFieldName},
		{"two Content-Length", "Content-Length: 1\r\nContent-Length: 1\r\n\r\n", fdDupContentLength},
		{"two Content-Length, other case", "content-length: 1\r\nCONTENT-LENGTH: 2\r\n\r\n", fdDupContentLength},
		{"Content-Length and Transfer-Encoding", "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", fdContentLengthAndTE},
		{"Transfer-Encoding and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", fdContentLengthAndTE},
		{"Transfer-Encoding identity", "Transfer-Encoding: identity\r\n\r\n", fdTransferEncoding},
		{"Transfer-Encoding empty", "Transfer-Encoding:\r\n\r\n", fdTransferEncoding},
		{"Transfer-Encoding gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n\r\n", fdTransferEncoding},
		{"Transfer-Encoding xchunked", "Transfer-Encoding: xchunked\r\n\r\n", fdTransferEncoding},
		{"two Transfer-Encoding", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", fdTransferEncoding},
		{"two Host", "Host: a\r\nhost: a\r\n\r\n", fdDupHost},
		{"look-alike names", "Hosts: a\r\nContent-Lengthy: 1\r\nTransfer-Encodings: gzip\r\nHost: a\r\n\r\n", fdOK},
		{"first fault wins", "Content-Length: 1\r\nContent-Length: 2\r\nX: a\nb\r\n\r\n", fdLineEnding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _, _ := frontDoorScan([]byte(tc.raw)); got != tc.want {
				t.Fatalf("frontDoorScan(%q) = %d; want %d", tc.raw, got, tc.want)
			}
		})
	}
}

func TestFrontDoorTarget(t *testing.T) {
	for _, tc := range []struct {
		target  string
		hasHost bool
		want    frontDoorFault
	}{
		{"/", true, fdOK},
		{"/a@b", true, fdOK},
		{"/a?u=http://x@y", true, fdOK},
		{"//a/b", true, fdOK},
		{"//a/b", false, fdTargetAuthority},
		{"//a/b?c=http://d", true, fdTargetAuthority},
		{"//u@a/b", true, fdOK},
		{"/", false, fdOK},
		{"*", true, fdOK},
		{"http://a/b", true, fdOK},
		{"http://a/b@c", true, fdOK},
		{"http://a?b@c", true, fdOK},
		{"http://a#b@c", true, fdOK},
		{"http://u@a/", true, fdTargetUserinfo},
		{"http://u:p@a", true, fdTargetUserinfo},
		{"https://@a/", true, fdTargetUserinfo},
		{"a:443", true, fdOK},
		{"u@a:443", true, fdTargetUserinfo},
	} {
		t.Run(tc.target, func(t *testing.T) {
			if got := frontDoorTarget([]byte(tc.target), tc.hasHost); got != tc.want {
				t.Fatalf("frontDoorTarget(%q, %v) = %d; want %d", tc.target, tc.hasHost, got, tc.want)
			}
		})
	}
}

func TestFrontDoorSectionLen(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int
	}{
		{"", 0},
		{"Host: a\r\n\r\n", 9},
		{"Host: a\r\n\n", 9},
		{"Host: a\r\nX: y\r\n\r\n", 15},
	} {
		if got := frontDoorSectionLen([]byte(tc.raw)); got != tc.want {
			t.Errorf("frontDoorSectionLen(%q) = %d; want %d", tc.raw, got, tc.want)
		}
	}
}

// TestFrontDoorErrorFault maps errors from fasthttp's own request reader,
// which reports them with the request bytes in the text (the server's
// default); the server tests above cover the secure texts.
func TestFrontDoorErrorFault(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		want frontDoorFault
	}{
		{"HTTP/3", "GET / HTTP/3\r\nHost: a\r\n\r\n", fdVersion},
		{"lower case version", "GET / http/1.1\r\nHost: a\r\n\r\n", fdRequestLine},
		{"no method", " / HTTP/1.1\r\nHost: a\r\n\r\n", fdRequestLine},
		{"bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", fdRequestLine},
		{"no spaces", "GET\r\nHost: a\r\n\r\n", fdRequestLine},
		{"empty target", "GET  HTTP/1.1\r\nHost: a\r\n\r\n", fdTarget},
		{"bad target", "GET a HTTP/1.1\r\nHost: a\r\n\r\n", fdTarget},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", fdMissingHost},
		{"two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", fdDupHost},
		{"two Content-Length", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", fdDupContentLength},
		{"bad Content-Length", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", fdContentLength},
		{"Transfer-Encoding gzip", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", fdTransferEncoding},
		{"two Transfer-Encoding", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", fdTransferEncoding},
		{"whitespace first", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", fdLeadingWhitespace},
		{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", fdFieldName},
		{"bad name", "GET / HTTP/1.1\r\nHost: a\r\nA(: b\r\n\r\n", fdField},
		{"bad value", "GET / HTTP/1.1\r\nHost: a\r\nA: \x01\r\n\r\n", fdFieldValue},
		{"truncated", "GET / HTTP/1.1\r\nHost: a\r\n", fdIncomplete},
		{"over the buffer", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("x", 5000) + "\r\n\r\n", fdHeaderTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h fasthttp.RequestHeader
			err := h.Read(bufio.NewReaderSize(strings.NewReader(tc.head), 4096))
			if err == nil {
				t.Fatalf("fasthttp accepted %q", tc.head)
			}
			if got := frontDoorErrorFault(err); got != tc.want {
				t.Fatalf("frontDoorErrorFault(%v) = %d; want %d", err, got, tc.want)
			}
		})
	}

	t.Run("URI", func(t *testing.T) {
		var u fasthttp.URI
		for _, tc := range []struct {
			host string
			want frontDoorFault
		}{
			{"a:1:2", fdHost},
			{"[::1", fdHost},
			{"a:x", fdHost},
		} {
			err := u.Parse([]byte(tc.host), []byte("/"))
			if err == nil {
				t.Fatalf("fasthttp accepted Host %q", tc.host)
			}
			if got := frontDoorErrorFault(err); got != tc.want {
				t.Errorf("frontDoorErrorFault(%v) = %d; want %d", err, got, tc.want)
			}
		}
	})

	t.Run("body", func(t *testing.T) {
		var req fasthttp.Request
		head := "POST / HTTP/1.1\r\nHost: a\r\n"
		for _, tc := range []struct {
			raw  string
			want frontDoorFault
		}{
			{head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", fdChunkedBody},
			{head + "Transfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n", fdChunkedBody},
			{head + "Content-Length: 100\r\n\r\n", fdBodyTooLarge},
			{head + "Content-Length: 5\r\n\r\nab", fdIncomplete},
		} {
			req.Reset()
			err := req.ReadLimitBody(bufio.NewReader(strings.NewReader(tc.raw)), 10)
			if err == nil {
				t.Fatalf("fasthttp accepted %q", tc.raw)
			}
			if got := frontDoorErrorFault(err); got != tc.want {
				t.Errorf("frontDoorErrorFault(%v) = %d; want %d", err, got, tc.want)
			}
		}
	})

	t.Run("timeout", func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		if err := a.SetReadDeadline(time.Now()); err != nil {
			t.Fatal(err)
		}
		_, err := a.Read(make([]byte, 1))
		if got := frontDoorErrorFault(err); got != fdTimeout {
			t.Fatalf("frontDoorErrorFault(%v) = %d; want %d", err, got, fdTimeout)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		if got := frontDoorErrorFault(errors.New("something else")); got != fdMalformed {
			t.Fatalf("frontDoorErrorFault(something else) = %d; want %d", got, fdMalformed)
		}
	})
}

func TestFrontDoorReplies(t *testing.T) {
	for f := fdOK + 1; int(f) < len(frontDoorReplies); f++ {
		r := frontDoorReplies[f]
		if r.status < 400 || r.status > 599 {
			t.Errorf("fault %d: status %d", f, r.status)
		}
		var v map[string]string
		if err := json.Unmarshal(r.body, &v); err != nil || len(v) != 1 || v["error_msg"] == "" {
			t.Errorf("fault %d: body %q is not {\"error_msg\":\"...\"}", f, r.body)
		}
	}
	if n := len(frontDoorReplies); n != int(fdMalformed)+1 {
		t.Fatalf("%d replies; want one per fault, %d", n, int(fdMalformed)+1)
	}
}

func TestFrontDoorLimitsDefaults(t *testing.T) {
	for _, tc := range []struct {
		in, want frontDoorLimits
	}{
		{frontDoorLimits{}, frontDoorLimits{MaxHeaderBytes: 16 << 10, MaxRequestLineBytes: 8 << 10}},
		{frontDoorLimits{MaxHeaderBytes: -1, MaxRequestLineBytes: 100}, frontDoorLimits{MaxHeaderBytes: 16 << 10, MaxRequestLineBytes: 100}},
		{frontDoorLimits{MaxHeaderBytes: 1000, MaxRequestLineBytes: 0}, frontDoorLimits{MaxHeaderBytes: 1000, MaxRequestLineBytes: 8 << 10}},
	} {
		if got := tc.in.orDefaults(); got != tc.want {
			t.Errorf("%+v.orDefaults() = %+v; want %+v", tc.in, got, tc.want)
		}
	}
	var s fasthttp.Server
	frontDoorServer(&s, frontDoorLimits{})
	if s.ReadBufferSize != 2+(8<<10)+2+(16<<10)+2 || s.ErrorHandler == nil || !s.SecureErrorLogMessage {
		t.Fatalf("frontDoorServer left ReadBufferSize %d, ErrorHandler set %v, SecureErrorLogMessage %v",
			s.ReadBufferSize, s.ErrorHandler != nil, s.SecureErrorLogMessage)
	}
}

// fdParsed is a RequestCtx holding raw as parsed by fasthttp's reader.
func fdParsed(tb testing.TB, raw string) *fasthttp.RequestCtx {
	tb.Helper()
	var ctx fasthttp.RequestCtx
	if err := ctx.Request.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		tb.Fatalf("parsing %q: %v", raw, err)
	}
	return &ctx
}

// fdBrowserRequest is a typical browser request head.
const fdBrowserRequest = "GET /api/v1/items?page=2&sort=name HTTP/1.1\r\n" +
	"Host: shop.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
	"Accept: application/json, text/plain, */*\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Referer: https://shop.example.com/items\r\n" +
	"Cookie: session=3f2a9c1e7b5d4a8f; theme=dark; consent=1\r\n" +
	"X-Request-Id: 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n"

// BenchmarkFrontDoorCheck measures the whole front door for one request:
// the stream scan of its bytes and the check of the parsed request.
func BenchmarkFrontDoorCheck(b *testing.B) {
	ctx := fdParsed(b, fdBrowserRequest)
	raw := []byte(fdBrowserRequest)
	scan := newFrontScan(frontDoorLimits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if fdFrontDoor(&scan, raw, ctx) != fdOK {
			b.Fatal("refused a good request")
		}
	}
}

// fdFrontDoor runs raw, one whole request parsed into ctx, through the
// front door: the stream scan, then frontDoorCheck. It returns the fault.
func fdFrontDoor(scan *frontScan, raw []byte, ctx *fasthttp.RequestCtx) frontDoorFault {
	if _, f := scan.scan(raw); f != fdOK {
		return f
	}
	return frontDoorInspect(&ctx.Request.Header)
}
