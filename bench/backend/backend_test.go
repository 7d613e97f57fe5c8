package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestWebsocketAccept(t *testing.T) {
	// The example of RFC 6455 §1.3.
	if got := websocketAccept([]byte("dGhlIHNhbXBsZSBub25jZQ==")); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("websocketAccept() = %q; want %q", got, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
	}
}

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want string
	}{
		{"empty", "", "[]"},
		{"crlf", "Host: a\r\nx-Y:  b c \r\n\r\n", "[[Host a] [x-Y b c]]"},
		{"bare lf", "A: 1\nA: 2\n\n", "[[A 1] [A 2]]"},
		{"empty value", "E:\r\nF: f\r\n", "[[E ] [F f]]"},
		{"folded", "A: one\r\n  two\r\n\tthree\r\nB: b\r\n", "[[A one two three] [B b]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := [][2]string{}
			for n, v := range fields([]byte(tc.raw)) {
				got = append(got, [2]string{string(n), string(v)})
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("fields(%q) = %v; want %s", tc.raw, got, tc.want)
			}
		})
	}
}

func TestFieldLookup(t *testing.T) {
	raw := []byte("connection: keep-alive\r\nConnection: x, UPGRADE\r\nupgrade: websocket, h2c\r\n\r\n")
	if !hasToken(raw, "Connection", "upgrade") {
		t.Error(`hasToken(Connection, upgrade) = false; want true`)
	}
	if hasToken(raw, "Connection", "close") {
		t.Error(`hasToken(Connection, close) = true; want false`)
	}
	if got := string(fieldValue(raw, "UPGRADE")); got != "websocket, h2c" {
		t.Errorf("fieldValue(UPGRADE) = %q; want %q", got, "websocket, h2c")
	}
	if got := fieldValue(raw, "Host"); got != nil {
		t.Errorf("fieldValue(Host) = %q; want nil", got)
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-listen", "127.0.0.1:0"}, ""},
		{[]string{"-listen", "127.0.0.1:0", "-tls-cert", "c", "-tls-key", "k", "-client-ca", "ca"}, ""},
		{[]string{"-listen-range", "127.0.0.1:21000-21009"}, ""},
		{[]string{"-listen-range", "[::1]:21000-21000"}, ""},
		{nil, "-listen is required (or -listen-range)"},
		{[]string{"-listen", "127.0.0.1:0", "-listen-range", "127.0.0.1:1-2"}, "exclude each other"},
		{[]string{"-listen-range", "127.0.0.1:21000"}, "want HOST:FIRST-LAST"},
		{[]string{"-listen-range", "127.0.0.1:2-1"}, "want HOST:FIRST-LAST"},
		{[]string{"-listen-range", "127.0.0.1:0-10"}, "want HOST:FIRST-LAST"},
		{[]string{"-listen-range", "127.0.0.1:65535-65536"}, "want HOST:FIRST-LAST"},
		{[]string{"-listen-range", "21000-21009"}, "want HOST:FIRST-LAST"},
		{[]string{"-listen", "127.0.0.1:0", "-tls-cert", "c"}, "go together"},
		{[]string{"-listen", "127.0.0.1:0", "-client-ca", "ca"}, "needs -tls-cert"},
		{[]string{"-listen", "127.0.0.1:0", "-idle-timeout", "-1s"}, "must not be negative"},
		{[]string{"-listen", "127.0.0.1:0", "extra"}, "unexpected arguments"},
	} {
		_, err := parseFlags(tc.args, io.Discard)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("parseFlags(%q) = %v; want an error containing %q", tc.args, err, tc.err)
		}
	}
}

func BenchmarkRoot(b *testing.B) {
	be := newBackend("b1")
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/")
	b.ReportAllocs()
	for b.Loop() {
		ctx.Response.Reset()
		be.handle(&ctx)
	}
}

func TestListenRange(t *testing.T) {
	host, first := "127.0.0.1", freeRange(t, 3)
	spec := fmt.Sprintf("%s:%d-%d", host, first, first+2)
	lns, addr, err := listen(options{listenRange: spec})
	if err != nil {
		t.Fatalf("listen(%s) = %v", spec, err)
	}
	if addr != spec {
		t.Errorf("listen(%s) address = %q; want the range", spec, addr)
	}
	if len(lns) != 3 {
		t.Fatalf("listen(%s) = %d listeners; want 3", spec, len(lns))
	}
	for i, ln := range lns {
		if want := fmt.Sprintf("%s:%d", host, first+i); ln.Addr().String() != want {
			t.Errorf("listener %d on %s; want %s", i, ln.Addr(), want)
		}
	}

	// A taken port fails the whole range and frees the ports bound before it.
	lns[2].Close()
	for _, ln := range lns[:2] {
		ln.Close()
	}
	taken, err := net.Listen("tcp", fmt.Sprintf("%s:%d", host, first+2))
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if _, _, err := listen(options{listenRange: spec}); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("listen(%s) with its last port taken = %v; want address already in use", spec, err)
	}
	for port := first; port < first+2; port++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", host, port))
		if err != nil {
			t.Fatalf("port %d still bound after a failed listen: %v", port, err)
		}
		ln.Close()
	}
}

// freeRange returns the first of n consecutive loopback ports that were free
// a moment ago, below Linux's default ephemeral range.
func freeRange(t *testing.T, n int) int {
	t.Helper()
	for first := 21000; first+n <= 32000; first += 97 {
		lns := make([]net.Listener, 0, n)
		for port := first; port < first+n; port++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				break
			}
			lns = append(lns, ln)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if len(lns) == n {
			return first
		}
	}
	t.Skipf("no %d consecutive free loopback ports in 21000..32000", n)
	return 0
}
