package hc

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// startServer listens on 127.0.0.1, runs serve on each accepted connection
// in its own goroutine, and returns the address and a count of the
// connections accepted. Cleanup closes the listener and every connection
// and waits for the goroutines.
func startServer(tb testing.TB, serve func(net.Conn)) (addr string, accepts *atomic.Int32) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	accepts = new(atomic.Int32)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Go(func() { serve(conn) })
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), accepts
}
