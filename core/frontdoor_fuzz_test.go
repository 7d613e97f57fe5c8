package core

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// fdFraming counts the Content-Length and Transfer-Encoding field lines of
// a header section, split the simplest way: at LF, one CR trimmed, the name
// up to the first colon, compared without case. It stops at the first empty
// line. It is the fuzz oracle, independent of the code under test.
func fdFraming(section []byte) (contentLength, transferEncoding int) {
	for _, line := range strings.Split(string(section), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		name, _, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(name) {
		case "content-length":
			contentLength++
		case "transfer-encoding":
			transferEncoding++
		}
	}
	return contentLength, transferEncoding
}

// fdSmuggling reports whether counts from fdFraming make the message
// framing ambiguous: two Content-Length, or Content-Length with
// Transfer-Encoding.
func fdSmuggling(contentLength, transferEncoding int) bool {
	return contentLength > 1 || (contentLength > 0 && transferEncoding > 0)
}

// fdFirstFinalStatus is the status of the first final (non-1xx) response in
// out, or 0 if out does not begin with a complete one.
func fdFirstFinalStatus(out []byte) int {
	br := bufio.NewReader(bytes.NewReader(out))
	for range 8 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return 0
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0
		}
		resp.Body.Close()
		if resp.StatusCode >= 200 {
			return resp.StatusCode
		}
	}
	return 0
}

// FuzzFrontDoor sends arbitrary bytes to a real server behind the front
// door. Neither fasthttp's parser nor frontDoorCheck may panic (a panic in
// the server goroutine ends the test binary), no request whose framing is
// ambiguous may reach the 200 of the handler, and the first response to a
// head with two Content-Length or Content-Length plus Transfer-Encoding must
// not be 2xx.
func FuzzFrontDoor(f *testing.F) {
	for _, tc := range fdCases {
		f.Add([]byte(tc.req))
	}
	for _, seed := range []string{
		fdBrowserRequest,
		fdBrowserRequest + fdBrowserRequest,
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-length: 0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding : chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: xchunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\tTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
		"GET / HTTP/1.0\r\n\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}

	// violation records the first request that passed frontDoorCheck with
	// ambiguous framing.
	var violation atomic.Pointer[string]
	s := fdServe(f, frontDoorLimits{}, func(s *fasthttp.Server) {
		s.ReadTimeout = time.Second
		s.Handler = func(ctx *fasthttp.RequestCtx) {
			if !frontDoorCheck(ctx) {
				return
			}
			raw := ctx.Request.Header.RawHeaders()
			if fdSmuggling(fdFraming(raw)) {
				msg := string(raw)
				violation.CompareAndSwap(nil, &msg)
			}
			ctx.SetBodyString("ok")
		}
	})

	f.Fuzz(func(t *testing.T, data []byte) {
		c := fdDial(t, s.addr)
		// The server may refuse and close before it has read everything;
		// what it answered is still read below.
		if err := c.c.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.c.Write(data); err == nil {
			_ = c.c.(*net.TCPConn).CloseWrite()
		}
		if err := c.c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(c.br)
		if err != nil && fdIsTimeout(err) {
			t.Fatalf("server neither answered nor closed; got %q", out)
		}
		if v := violation.Load(); v != nil {
			t.Fatalf("request with ambiguous framing passed frontDoorCheck; header section %q", *v)
		}

		// The first request's head as sent: the request line, then field
		// lines up to the first empty line.
		_, section, ok := bytes.Cut(data, []byte("\n"))
		if !ok || !fdSmuggling(fdFraming(section)) {
			return
		}
		if status := fdFirstFinalStatus(out); status >= 200 && status < 300 {
			t.Fatalf("status %d for a request with ambiguous framing; response %q", status, out)
		}
	})
}
