//go:build linux

package hc

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/jetwayhq/jetway/upstream"
)

// loopProbe returns a function that probes tg once per call on an event
// loop of its own, which the calling goroutine drives, or nil when c's
// event loop would not probe tg.
func loopProbe(tb testing.TB, c *Checker, tg *target) func() Result {
	if c.loop == nil || tg.pooled {
		return nil
	}
	l := testLoop(tb, c)
	return func() Result { return l.probeNow(tg) }
}

// testLoop is an event loop for c that a test drives with probeNow.
func testLoop(tb testing.TB, c *Checker) *loop {
	l, err := newLoop(c)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(l.close)
	return l
}

// probeNow probes tg on l and returns the result, running the loop's
// steps until the probe is done.
func (l *loop) probeNow(tg *target) Result {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	l.begin(tg)
	for len(l.done) == 0 {
		ms, _ := l.timeout(time.Now(), false)
		c.mu.Unlock()
		n := l.wait(ms)
		c.mu.Lock()
		l.handle(l.events[:n])
		l.expire(time.Now())
	}
	l.done = l.done[:0]
	return tg.lc.res
}

func TestLoopRunsHTTPAndTCPChecks(t *testing.T) {
	leakCheck(t)
	for _, tc := range []struct {
		edit string
		loop bool
	}{
		{"type: http", true},
		{"type: tcp", true},
		{"type: https", false},
	} {
		c := NewChecker(activeCheck(t, tc.edit), CheckerOptions{})
		if got := c.loop != nil; got != tc.loop {
			t.Errorf("%s: event loop %v; want %v", tc.edit, got, tc.loop)
		}
		c.Stop()
	}
}

// openFiles returns what this process's descriptors refer to, e.g.
// "socket:[1234]" (unique) or "anon_inode:[eventpoll]", by descriptor.
func openFiles(t *testing.T) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[int]string)
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			m[fd] = link
		}
	}
	return m
}

// countFiles counts the descriptors that refer to link.
func countFiles(files map[int]string, link string) int {
	n := 0
	for _, l := range files {
		if l == link {
			n++
		}
	}
	return n
}

func TestLoopStopClosesEveryDescriptor(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 20, nil)
	start := openFiles(t)
	h := newCheckerRig(t, activeCheck(t, ""), nil)
	h.c.SetTargets(s.addrs)
	h.step(t, time.Second)

	h.c.mu.Lock()
	running := openFiles(t)
	conns := map[string]bool{}
	for _, tg := range h.c.targets {
		if !tg.lc.open {
			t.Errorf("%s has no kept connection", tg.addr)
			continue
		}
		conns[running[tg.lc.fd]] = true
	}
	h.c.mu.Unlock()
	h.c.Stop()
	end := openFiles(t)
	for _, link := range end {
		if conns[link] {
			t.Errorf("connection %s still open after Stop", link)
		}
	}
	for _, link := range []string{"anon_inode:[eventpoll]", "anon_inode:[eventfd]"} {
		if n, was := countFiles(end, link), countFiles(start, link); n != was {
			t.Errorf("%d descriptors of %s after Stop; want %d, as before NewChecker", n, link, was)
		}
	}
}

func TestLoopHandsDNSTargetsToThePool(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 2, nil)
	_, port, _ := net.SplitHostPort(s.addrs[1])
	byName := "localhost:" + port
	h := newCheckerRig(t, activeCheck(t, ""), nil)
	h.c.SetTargets(s.addrs[:1])
	if n := checkerGoroutines(); n != 1 {
		t.Errorf("%d goroutines for an IP target; want 1, the loop", n)
	}
	h.c.SetTargets([]string{s.addrs[0], byName})
	if n, want := checkerGoroutines(), 1+cap(h.c.work); n != want {
		t.Errorf("%d goroutines with a target named by host; want %d, the loop and the pool's workers", n, want)
	}
	// The second probe falls due by 2.05 s (jitter is at most 5%).
	for range 3 {
		h.step(t, time.Second)
	}
	counts := perAddr(h.reports())
	for _, addr := range []string{s.addrs[0], byName} {
		if counts[addr] < 2 {
			t.Errorf("%s probed %d times in 3 intervals; want at least 2", addr, counts[addr])
		}
	}
	for _, r := range h.reports() {
		checkResult(t, r.r, upstream.Successes, true, 200, "")
	}
	h.c.mu.Lock()
	pooled := h.c.targets[byName].pooled
	h.c.mu.Unlock()
	if !pooled {
		t.Errorf("%s is not probed by the pool", byName)
	}
}

func TestLoopConcurrencyBoundsConnects(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 6, nil)
	h := newCheckerRig(t, activeCheck(t, "concurrency: 2, http_path: /slow"), nil)
	h.c.SetTargets(s.addrs)
	peak := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.peak
		s.peak = 0
		return p
	}
	h.clock.Advance(time.Second) // every target falls due, none connected
	h.waitReports(t, 6)
	if p := peak(); p != 2 {
		t.Errorf("first round: %d probes in flight at most; want 2 (the concurrency)", p)
	}
	h.clock.Advance(1100 * time.Millisecond) // due again, on kept connections
	h.waitReports(t, 12)
	if p := peak(); p != 6 {
		t.Errorf("second round: %d probes in flight at most; want 6 (kept connections are not bounded)", p)
	}
	for _, addr := range s.addrs {
		if n := s.accepts(addr); n != 1 {
			t.Errorf("%s: %d connections; want 1", addr, n)
		}
	}
}

func TestLoopServerClosesIdle(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 1, nil)
	h := newCheckerRig(t, activeCheck(t, ""), nil)
	h.c.SetTargets(s.addrs)
	for round := 1; round <= 3; round++ {
		h.step(t, 1100*time.Millisecond)
		s.closeConns()
		waitFor(t, "the server to close", func() bool { return s.open(s.addrs[0]) == 0 })
	}
	for _, r := range h.reports() {
		checkResult(t, r.r, upstream.Successes, true, 200, "")
	}
	if n := s.accepts(s.addrs[0]); n != 3 {
		t.Errorf("3 probes used %d connections; want 3", n)
	}
}

// startPieceServer answers every request with the pieces of resp, written
// 20 ms apart, and returns its address and a count of its connections.
func startPieceServer(t *testing.T, pieces ...string) (addr string, accepts *atomic.Int32) {
	return startServer(t, func(conn net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
			for _, p := range pieces {
				time.Sleep(20 * time.Millisecond)
				if _, err := conn.Write([]byte(p)); err != nil {
					return
				}
			}
		}
	})
}

func TestLoopResponseInPieces(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pieces []string
	}{
		{"head split", []string{"HTTP/1.1 200 OK\r\nContent-", "Length: 5\r\n\r\nab", "cde"}},
		{"status line split", []string{"HT", "TP/1.1 200 OK\r\n", "Content-Length: 0\r\n\r\n"}},
		{"chunked", []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r", "\nabc\r\n", "0\r\n\r\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			addr, accepts := startPieceServer(t, tc.pieces...)
			probe := probeOnce(t, activeCheck(t, ""), addr, CheckerOptions{})
			for range 3 {
				checkResult(t, probe(), upstream.Successes, true, 200, "")
			}
			if n := accepts.Load(); n != 1 {
				t.Errorf("3 probes used %d connections; want 1", n)
			}
		})
	}
}

func TestLoopMalformedResponse(t *testing.T) {
	leakCheck(t)
	addr, accepts := startPieceServer(t, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")
	probe := probeOnce(t, activeCheck(t, ""), addr, CheckerOptions{})
	for range 2 {
		checkResult(t, probe(), upstream.TCPFailures, true, 0, "read: malformed content-length")
	}
	if n := accepts.Load(); n != 2 {
		t.Errorf("2 failed probes used %d connections; want 2", n)
	}
}

func TestLoopRequestLargerThanTheSocketBuffer(t *testing.T) {
	leakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	// The server starts reading late, so the request fills the socket
	// buffers and the loop must wait for room.
	wg.Go(func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		time.Sleep(100 * time.Millisecond)
		buf := make([]byte, 64<<10)
		var tail []byte
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			tail = append(tail, buf[:n]...)
			if bytes.Contains(tail, []byte("\r\n\r\n")) {
				_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
				tail = tail[:0]
				continue
			}
			tail = tail[max(len(tail)-3, 0):]
		}
	})
	c := NewChecker(activeCheck(t, "timeout: 5"), CheckerOptions{})
	t.Cleanup(c.Stop)
	tg := c.newTarget(ln.Addr().String())
	tg.req = []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 8<<20) + "\r\n\r\n")
	c.mu.Lock()
	c.targets[tg.addr] = tg
	c.mu.Unlock()
	probe := loopProbe(t, c, tg)
	for range 2 {
		checkResult(t, probe(), upstream.Successes, true, 200, "")
	}
}

// TestLoopTCPReusesSocket: tcp probes on the event loop take one spare
// socket per family and reset each connection (the server reads an RST),
// so five probes use one socket, on IPv4 and on IPv6; a refused connect
// closes it, and close releases the spare.
func TestLoopTCPReusesSocket(t *testing.T) {
	leakCheck(t)
	for k, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c := NewChecker(activeCheck(t, "type: tcp"), CheckerOptions{})
			defer c.Stop()
			l := testLoop(t, c)
			tg := c.newTarget(ln.Addr().String())
			var ino uint64
			for i := range 5 {
				checkResult(t, l.probeNow(tg), upstream.Successes, true, 0, "")
				ino = checkReusedReset(t, i, l.spare[k], ino, ln)
			}
			refused := c.newTarget(closedAddrOn(t, host))
			checkResult(t, l.probeNow(refused), upstream.TCPFailures, true, 0, "connect: connection refused")
			if l.spare[k] != -1 {
				t.Errorf("spare socket %d after a refused connect; want none", l.spare[k])
			}
			checkResult(t, l.probeNow(tg), upstream.Successes, true, 0, "")
			spare := l.spare[k]
			l.close()
			if err := unix.Fstat(spare, new(unix.Stat_t)); err != unix.EBADF {
				t.Errorf("spare socket after close: fstat = %v; want EBADF", err)
			}
		})
	}
}

// checkReusedReset checks probe i of a run over one reused socket: fd is
// the socket it left, with inode ino for the probes before it (any for
// probe 0), and the server on ln reads a reset from the connection. It
// returns fd's inode; descriptor numbers are reused, inodes are not.
func checkReusedReset(t *testing.T, i, fd int, ino uint64, ln net.Listener) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatalf("probe %d left no socket: %v", i, err)
	}
	if i > 0 && st.Ino != ino {
		t.Errorf("probe %d left socket inode %d; want the reused %d", i, st.Ino, ino)
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	_, err = conn.Read(make([]byte, 1))
	conn.Close()
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("probe %d: the server read %v; want a reset", i, err)
	}
	return st.Ino
}

// closedAddrOn returns an address on host where nothing listens.
func closedAddrOn(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
