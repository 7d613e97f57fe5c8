package hc

import (
	"bytes"
	"testing"
)

// FuzzParseResponse parses arbitrary bytes, whole and in two pieces split
// at every point the fuzzer picks: parse must not panic, must use no more
// than it is given, and must reach the same outcome however the bytes
// arrive.
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 204\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
		"HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n\n1\nx\n0\n\n",
		"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 503 Busy\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\nrest",
		"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
		"SSH-2.0-x\r\n",
		"",
	} {
		f.Add([]byte(seed), false, 10)
		f.Add([]byte(seed), true, 20)
	}
	f.Fuzz(func(t *testing.T, in []byte, head bool, split int) {
		var whole response
		whole.reset(head)
		n, done, err := whole.parse(in)
		if n < 0 || n > len(in) {
			t.Fatalf("parse used %d of %d bytes", n, len(in))
		}
		if err == nil && !done && !whole.inHead() && n != len(in) {
			t.Fatalf("parse left %d body bytes unused without finishing", len(in)-n)
		}
		if split <= 0 || split >= len(in) {
			return
		}
		// The same bytes in two pieces, as a reader passes them: unused
		// head bytes again, with the rest.
		var r response
		r.reset(head)
		m, done2, err2 := r.parse(in[:split])
		used := m
		if err2 == nil && !done2 {
			rest := append(bytes.Clone(in[m:split]), in[split:]...)
			m, done2, err2 = r.parse(rest)
			used += m
		}
		if (err == nil) != (err2 == nil) || done != done2 || r.status != whole.status || r.close != whole.close {
			t.Fatalf("split at %d: done %v status %d close %v err %v; whole: done %v status %d close %v err %v",
				split, done2, r.status, r.close, err2, done, whole.status, whole.close, err)
		}
		if done && used != n {
			t.Fatalf("split at %d used %d bytes; whole used %d", split, used, n)
		}
	})
}
