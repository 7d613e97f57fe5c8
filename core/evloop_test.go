//go:build linux

package core

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startLoopGateway is startHeaderTimed on the loop engine.
func startLoopGateway(t *testing.T, headerTimeout string) (*Gateway, string) {
	t.Helper()
	return startHeaderTimed(t, "loop", headerTimeout)
}

// closedWithin reads c until it closes and returns how long that took from
// start; the test fails if c is still open after limit.
func closedWithin(t *testing.T, c net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	_ = c.SetReadDeadline(start.Add(limit))
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %v", limit)
			}
			return time.Since(start)
		}
	}
}

// oneShot is a client that opens a connection per request.
func oneShot() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestLoopEngineHoldsSilentConnectionsWithoutGoroutines(t *testing.T) {
	_, addr := startLoopGateway(t, "30")
	// Let the servers' own goroutines settle before counting.
	get(t, oneShot(), "http://"+addr+"/")
	before := runtime.NumGoroutine()
	var conns []net.Conn
	for range 200 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	// Each connection is accepted: a request on a new one is served
	// while the others wait.
	if status, body, _ := get(t, oneShot(), "http://"+addr+"/"); status != 200 || body != "a" {
		t.Fatalf("GET beside 200 silent connections: %d %q", status, body)
	}
	if n := runtime.NumGoroutine(); n > before+20 {
		t.Errorf("%d goroutines with 200 silent connections, %d before; want the loops to hold them", n, before)
	}
	// A held connection that speaks is handed over and served.
	c := conns[len(conns)/2]
	if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(string(b), "\r\n\r\na") {
		t.Fatalf("held connection's request: %q, %v", b, err)
	}
}

func TestLoopEngineClosesSilentConnectionAtHeaderTimeout(t *testing.T) {
	_, addr := startLoopGateway(t, "0.3")
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := closedWithin(t, c, start, 5*time.Second)
	// The timer may fire up to an eighth of the timeout late.
	if d < 300*time.Millisecond || d > 2*time.Second {
		t.Errorf("silent connection closed after %v; want 0.3 s to 0.34 s (and scheduling)", d)
	}
}

func TestLoopEngineHeadIsDueFromAccept(t *testing.T) {
	// A connection silent for most of the header timeout has only what is
	// left of it to send its head: the time the loop held it counts.
	_, addr := startLoopGateway(t, "1")
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(700 * time.Millisecond)
	go func() {
		for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	d := closedWithin(t, c, start, 5*time.Second)
	// Due at 1 s, 1.125 s with the timer's slack; from the first byte it
	// would be 1.7 s.
	if d < time.Second || d > 1500*time.Millisecond {
		t.Errorf("head trickled after 0.7 s of silence: closed after %v; want 1 s to 1.125 s after connect", d)
	}
}

func TestLoopEngineShutdownClosesHeldConnections(t *testing.T) {
	g, addr := startLoopGateway(t, "30")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A served request shows the loop has accepted c by now: a loop
	// takes every waiting connection when it wakes.
	get(t, oneShot(), "http://"+addr+"/")
	start := time.Now()
	shutdownNow(g)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v with a silent connection held", d)
	}
	closedWithin(t, c, start, 2*time.Second)
}

func TestLoopEngineOutOfDescriptorsPausesAccept(t *testing.T) {
	// One loop, so that the loop woken is the one that fails to accept.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, addr := startLoopGateway(t, "30")
	ap := netip.MustParseAddrPort(addr)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	// The client sockets exist before the limit falls, so that their
	// connects need no descriptor and accept4 has none to give.
	socks := make([]int, 8)
	for i := range socks {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		socks[i] = fd
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = uint64(len(fds) - 1) // the directory's own descriptor is closed
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	for _, fd := range socks {
		if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
			t.Fatal(err)
		}
	}
	// accept4 now fails with EMFILE while connections wait: the loop
	// must not spin on the readable listening socket.
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	time.Sleep(500 * time.Millisecond)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if cpu > 200*time.Millisecond {
		t.Errorf("%v of CPU in 0.5 s while out of descriptors; want the loop paused", cpu)
	}
	// With descriptors back, the waiting connections are accepted and
	// served once the pause is over.
	for _, fd := range socks {
		f := os.NewFile(uintptr(fd), "client")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if b, err := io.ReadAll(c); err != nil || !strings.HasSuffix(string(b), "\r\n\r\na") {
			t.Fatalf("connection that waited out the pause: %q, %v", b, err)
		}
	}
}
