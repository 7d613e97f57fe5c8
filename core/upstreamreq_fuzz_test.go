package core

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// headOracleDropped lists, in lower case, the client fields that never go
// upstream as sent; the fuzz oracle, written apart from keptField.
var headOracleDropped = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "proxy-authorization": true,
	"proxy-authenticate": true, "te": true, "trailer": true, "transfer-encoding": true,
	"upgrade": true, "expect": true, "host": true, "content-length": true,
	"x-forwarded-for": true, "x-forwarded-proto": true, "x-forwarded-host": true,
	"x-forwarded-port": true, "x-real-ip": true,
}

// FuzzRequestHead feeds arbitrary request heads through fasthttp's parser
// and the front door; for every head they accept, the upstream request
// Jetway writes must parse with net/http, carry no hop-by-hop field, the
// attempt's Host and the peer last in X-Forwarded-For, and keep every
// end-to-end field line the client sent that no Connection field names.
func FuzzRequestHead(f *testing.F) {
	for _, tc := range fdCases {
		f.Add([]byte(tc.req))
	}
	f.Add([]byte(fdBrowserRequest))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nExpect: 100-continue\r\nKeep-Alive: 1\r\nProxy-Authorization: b\r\nTE: gzip\r\nTrailer: x\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET http://a/x HTTP/1.0\r\nHost: a\r\nConnection: x-a, Upgrade\r\nX-A: 1\r\nUpgrade: h2c\r\nX-Forwarded-For: 1.1.1.1\r\nTE: trailers\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		scan := newFrontScan(frontDoorLimits{})
		if _, f := scan.scan(data); f != fdOK {
			return
		}
		var h fasthttp.RequestHeader
		if h.Read(bufio.NewReader(bytes.NewReader(data))) != nil || frontDoorInspect(&h) != fdOK {
			return
		}
		ctx := new(fasthttp.RequestCtx)
		h.CopyTo(&ctx.Request.Header)
		head, _ := appendRequestHead(nil, nil, ctx, headPeer, false)
		wire := appendAttempt(head, []byte("node"), false, 0, ctx.Method())
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
		if err != nil {
			t.Fatalf("upstream request %q does not parse: %v", wire, err)
		}
		if r.Host != "node" {
			t.Errorf("Host %q; want node", r.Host)
		}
		for name := range r.Header {
			switch n := strings.ToLower(name); {
			case n == "te":
				if v := r.Header.Values(name); len(v) != 1 || v[0] != "trailers" {
					t.Errorf("TE %q; want only trailers", v)
				}
			case headOracleDropped[n] && !strings.HasPrefix(n, "x-") && n != "content-length":
				t.Errorf("hop-by-hop field %s went upstream in %q", name, wire)
			}
		}
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) != 1 || !strings.HasSuffix(xff[0], headPeer.String()) {
			t.Errorf("X-Forwarded-For %q; want one field ending in the peer", xff)
		}

		// Every kept line of the client's section is in the output, in order.
		var named []string
		lines := strings.Split(string(h.RawHeaders()), "\r\n")
		for _, line := range lines {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "connection") {
				for tok := range strings.SplitSeq(value, ",") {
					named = append(named, strings.ToLower(strings.Trim(tok, " \t")))
				}
			}
		}
		rest := string(wire)
		for _, line := range lines {
			name, _, ok := strings.Cut(line, ":")
			if !ok || headOracleDropped[strings.ToLower(name)] || containsFold(named, name) {
				continue
			}
			i := strings.Index(rest, "\r\n"+line+"\r\n")
			if i < 0 {
				t.Fatalf("client line %q missing (or out of order) upstream in %q", line, wire)
			}
			rest = rest[i+2+len(line):]
		}
	})
}

// containsFold reports whether list, in lower case, holds s in any case.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
