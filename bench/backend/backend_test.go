package main

import (
	"fmt"
	"io"
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
		{nil, "-listen is required"},
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
