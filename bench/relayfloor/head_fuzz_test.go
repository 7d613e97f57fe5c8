package main

import (
	"bytes"
	"testing"
)

// FuzzHeads feeds any head to both rewrites: neither panics, and each gives
// one whole head whose only blank line is its last.
func FuzzHeads(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nDate: x\r\n\r\nabc"))
	f.Add([]byte("\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nbroken\r\n\r\n"))
	date := []byte("Date: d\r\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		end := headEnd(b)
		if end < 0 {
			return
		}
		head := b[:end]
		if req, r := appendRequest(nil, head, []byte("127.0.0.1")); r.status == 0 && headEnd(req) != len(req) {
			t.Fatalf("appendRequest(%q) = %q: not one head", head, req)
		}
		resp, _ := appendResponse(nil, head, date, true)
		if headEnd(resp) != len(resp) || !bytes.Contains(resp, date) {
			t.Fatalf("appendResponse(%q) = %q: not one head with the Date", head, resp)
		}
	})
}
