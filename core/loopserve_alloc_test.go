//go:build linux && !race

package core

import (
	"bytes"
	"io"
	"testing"
)

// TestLoopServedRequestDoesNotAllocate checks the event loop's request
// path: a keep-alive GET it serves itself, relayed from a node, makes no
// allocation in the process once warm (the client's side allocates
// nothing either: fixed buffers on one connection).
func TestLoopServedRequestDoesNotAllocate(t *testing.T) {
	g, addr := startLoopWith(t, catchAll(fastBackend(t)))
	lc := dialLoop(t, addr)
	req := []byte("GET /a?b=c HTTP/1.1\r\nHost: loop.test\r\nUser-Agent: alloc\r\n\r\n")
	// The answer's length is fixed: learn it once.
	lc.send(string(req))
	resp, _ := lc.answer("GET")
	if resp.StatusCode != 200 || lc.br.Buffered() != 0 {
		t.Fatalf("warm-up: %d, %d bytes left over", resp.StatusCode, lc.br.Buffered())
	}
	buf := make([]byte, 4096)
	n := 0
	for {
		if _, err := lc.c.Write(req); err != nil {
			t.Fatal(err)
		}
		k, err := io.ReadAtLeast(lc.c, buf, 1)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasSuffix(buf[:k], []byte("hello from backend\n")) {
			n = k
			break
		}
		t.Fatalf("answer came in parts: %q", buf[:k])
	}
	do := func() {
		if _, err := lc.c.Write(req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(lc.c, buf[:n]); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		do()
	}
	if allocs := testing.AllocsPerRun(1000, do); allocs != 0 {
		t.Errorf("allocations per loop-served GET = %v; want 0", allocs)
	}
	if served, handed := g.loopCounts(); served < 1100 || handed != 0 {
		t.Errorf("loops served %d, handed over %d", served, handed)
	}
}
