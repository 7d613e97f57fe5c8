package core

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzLoopRequest feeds arbitrary heads to parseLoopRequest. Every head it
// takes must be one fasthttp parses alike, so that a request is routed the
// same on both engines: the same method, host and path (after fasthttp's
// normalizing), no body, and HTTP/1.1.
func FuzzLoopRequest(f *testing.F) {
	for _, tc := range fdCases {
		f.Add([]byte(tc.req))
	}
	f.Add([]byte(fdBrowserRequest))
	f.Add([]byte("GET /a/b?c=//d/../e HTTP/1.1\r\nHost: example.com:8080\r\nConnection: keep-alive, close\r\n\r\n"))
	f.Add([]byte("HEAD /x%2Fy HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET /./a HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		end := bytes.Index(head, crlfcrlf)
		if end < 0 {
			return
		}
		head = head[:end+4]
		r, ok := parseLoopRequest(head, frontDoorLimits{}.orDefaults())
		if !ok {
			return
		}
		var h fasthttp.RequestHeader
		if err := h.Read(bufio.NewReaderSize(bytes.NewReader(head), 64<<10)); err != nil {
			t.Fatalf("the loop takes a head fasthttp refuses (%v): %q", err, head)
		}
		if f := frontDoorInspect(&h); f != fdOK {
			t.Fatalf("the loop takes a head the front door refuses (%v): %q", f, head)
		}
		var u fasthttp.URI
		if err := u.Parse(h.Host(), h.RequestURI()); err != nil {
			t.Fatalf("URI: %v", err)
		}
		switch {
		case string(h.Method()) != string(r.method):
			t.Fatalf("method %q; fasthttp %q", r.method, h.Method())
		case string(h.Host()) != string(r.host):
			t.Fatalf("host %q; fasthttp %q", r.host, h.Host())
		case string(u.Path()) != string(r.path):
			t.Fatalf("path %q; fasthttp %q", r.path, u.Path())
		case h.ContentLength() > 0 || h.ContentLength() == -1:
			t.Fatalf("a body: Content-Length %d", h.ContentLength())
		case string(h.Protocol()) != "HTTP/1.1":
			t.Fatalf("protocol %q", h.Protocol())
		case r.closeAfter != h.ConnectionClose():
			t.Fatalf("close %v; fasthttp %v", r.closeAfter, h.ConnectionClose())
		}
	})
}

// FuzzUpstreamHead feeds arbitrary node answers to parseUpstreamHead. No
// input may panic it; for every head it takes, the client's form that
// appendClientHead writes must parse with net/http, with the node's
// status, the framing the node gave (a close-delimited body goes chunked),
// and no hop-by-hop field.
func FuzzUpstreamHead(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"), false)
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: x-a, close\r\nX-A: 1\r\nKeep-Alive: 5\r\n\r\n"), false)
	f.Add([]byte("HTTP/1.0 404 Not Found\nDate: x\n\n"), true)
	f.Add([]byte("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), false)
	f.Add([]byte("HTTP/1.1 103 Early\r\nLink: a\r\n\r\n"), false)
	f.Fuzz(func(t *testing.T, b []byte, isHead bool) {
		h, err := parseUpstreamHead(b)
		if err != nil || h.end < 0 {
			return
		}
		if h.end > len(b) || h.status < 100 || h.status > 999 {
			t.Fatalf("head %+v of %d bytes", h, len(b))
		}
		if h.status < 200 {
			return // skipped, never relayed
		}
		out, _ := appendClientHead(nil, b, &h, isHead, []byte("Date: Thu, 26 Nov 2026 00:00:00 GMT\r\n"), false, nil)
		method := "GET"
		if isHead {
			method = "HEAD"
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), &http.Request{Method: method})
		if err != nil {
			t.Fatalf("the client's head does not parse (%v): %q from %q", err, out, b[:h.end])
		}
		if resp.StatusCode != h.status {
			t.Fatalf("status %d; the node's %d", resp.StatusCode, h.status)
		}
		for _, name := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Trailer", "Upgrade", "Proxy-Authenticate", "Te"} {
			if v := resp.Header.Values(name); len(v) > 0 {
				t.Fatalf("hop-by-hop %s: %q in %q", name, v, out)
			}
		}
		if h.bodyless(isHead) {
			return
		}
		switch cl := resp.Header.Get("Content-Length"); {
		case h.length >= 0 && cl != strconv.FormatInt(h.length, 10):
			t.Fatalf("Content-Length %q; the node's %d", cl, h.length)
		case h.length < 0 && (len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked"):
			t.Fatalf("framing %v for a node's chunked or close-delimited body", resp.TransferEncoding)
		}
	})
}
