package hc

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// parseAll feeds in to a response in pieces of step bytes (0: all at
// once), as a reader would: unused head bytes are passed again with the
// next piece. It returns the bytes left unused once the response is done.
func parseAll(in string, head bool, step int) (r response, done bool, left int, err error) {
	r.reset(head)
	if step <= 0 {
		step = len(in) + 1
	}
	var pend []byte
	for i := 0; i < len(in); {
		end := min(i+step, len(in))
		pend = append(pend, in[i:end]...)
		i = end
		used, done, err := r.parse(pend)
		if err != nil || done {
			return r, done, len(pend) - used + len(in) - i, err
		}
		pend = append(pend[:0], pend[used:]...)
	}
	return r, false, 0, nil
}

func TestParseResponse(t *testing.T) {
	big := strconv.Itoa(maxProbeBody + 1)
	chunk := func(n int) string { return strconv.FormatInt(int64(n), 16) + "\r\n" + strings.Repeat("x", n) + "\r\n" }
	for _, tc := range []struct {
		name   string
		in     string
		head   bool
		status int
		done   bool
		close  bool
		left   int
		err    error
	}{
		{name: "length", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, done: true},
		{name: "no reason", in: "HTTP/1.1 204\r\n\r\n", status: 204, done: true},
		{name: "empty reason", in: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", status: 200, done: true},
		{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", status: 200, done: true},
		{name: "status only counts", in: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", status: 503, done: true},
		{name: "body incomplete", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok"},
		{name: "head incomplete", in: "HTTP/1.1 200 OK\r\nContent-Len"},
		{name: "head only partly a prefix", in: "HTT"},
		{name: "close", in: "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", status: 200, done: true, close: true},
		{name: "http/1.0 closes", in: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, done: true, close: true},
		{name: "http/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", status: 200, done: true},
		{name: "framed by close", in: "HTTP/1.1 200 OK\r\n\r\nbody until close", status: 200, done: true, close: true, left: 16},
		{name: "head request", head: true, in: "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n", status: 200, done: true},
		{name: "304 has no body", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", status: 304, done: true},
		{name: "extra bytes", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n", status: 200, done: true, left: 17},
		{name: "length over the cap", in: "HTTP/1.1 200 OK\r\nContent-Length: " + big + "\r\n\r\nxx", status: 200, done: true, close: true, left: 2},
		{name: "repeated length agrees", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nx", status: 200, done: true},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(3) + "A;ext=1\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n", status: 200, done: true},
		{name: "chunked, bare LF", in: "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n", status: 200, done: true},
		{name: "chunked incomplete", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(3) + "0\r\n"},
		{name: "chunked over the cap", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat(chunk(1<<10), 65) + "0\r\n\r\n", status: 200, done: true, close: true, left: 2062},
		{name: "chunk size over the cap", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n", status: 200, done: true, close: true, left: 2},
		{name: "chunked and length", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 200, done: true, close: true},
		{name: "other coding framed by close", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", status: 200, done: true, close: true},
		{name: "interim skipped", in: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, done: true},
		{name: "switching protocols ends", in: "HTTP/1.1 101 Switching Protocols\r\n\r\n", status: 101, done: true, close: true},
		{name: "not http", in: "SSH-2.0-OpenSSH\r\n", err: errStatusLine},
		{name: "http/2", in: "HTTP/2 200\r\n\r\n", err: errStatusLine},
		{name: "short status", in: "HTTP/1.1 20 OK\r\n\r\n", err: errStatusLine},
		{name: "status below 100", in: "HTTP/1.1 099 OK\r\n\r\n", err: errStatusLine},
		{name: "no space after status", in: "HTTP/1.1 200OK\r\n\r\n", err: errStatusLine},
		{name: "control in reason", in: "HTTP/1.1 200 O\x00K\r\n\r\n", err: errStatusLine},
		{name: "space before colon", in: "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", err: errHeaderField},
		{name: "folded field", in: "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n", err: errHeaderField},
		{name: "no colon", in: "HTTP/1.1 200 OK\r\nX-A\r\n\r\n", err: errHeaderField},
		{name: "signed length", in: "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", err: errLength},
		{name: "lengths disagree", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", err: errLength},
		{name: "length list", in: "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx", err: errLength},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: errChunk},
		{name: "chunk without CRLF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX", err: errChunk},
		{name: "head too large", in: "HTTP/1.1 200 OK\r\nX-A: " + strings.Repeat("a", probeReadBuffer), err: errHeadTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Whole, then a byte at a time, then in 7-byte pieces: the
			// outcome must not depend on how the bytes arrive.
			for _, step := range []int{0, 1, 7} {
				r, done, left, err := parseAll(tc.in, tc.head, step)
				if !errors.Is(err, tc.err) {
					t.Fatalf("step %d: parse error %v; want %v", step, err, tc.err)
				}
				if err != nil {
					continue
				}
				if done != tc.done || (done && (r.status != tc.status || r.close != tc.close || left != tc.left)) {
					t.Errorf("step %d: parse = done %v status %d close %v left %d; want done %v status %d close %v left %d",
						step, done, r.status, r.close, left, tc.done, tc.status, tc.close, tc.left)
				}
			}
		})
	}
}
