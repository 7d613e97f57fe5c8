package core

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection, closed when the
// test ends.
func tcpPair(tb testing.TB) (client, server net.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	p, err := ln.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close(); _ = p.Close() })
	return c, p
}

// sockPair returns a sockConn dialled to 127.0.0.1 and the plain server
// side of the same connection.
func sockPair(t *testing.T) (*sockConn, *net.TCPConn) {
	t.Helper()
	c, peer := tcpPair(t)
	s, ok := rawSock(c).(*sockConn)
	if !ok {
		t.Fatalf("rawSock(%T) is not a sockConn", c)
	}
	return s, peer.(*net.TCPConn)
}

func TestSockConnReadWrite(t *testing.T) {
	s, peer := sockPair(t)
	if _, err := peer.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v; want hello", buf[:n], err)
	}
	if n, err := s.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.Write([]byte("world")); n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "world" {
		t.Fatalf("peer got %q, %v", got, err)
	}
	_ = peer.CloseWrite()
	if n, err := s.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after peer's FIN = %d, %v; want 0, EOF", n, err)
	}
}

// A write larger than the socket buffers waits for the reader and still
// sends every byte in order.
func TestSockConnWriteWaitsForSpace(t *testing.T) {
	s, peer := sockPair(t)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	done := make(chan []byte)
	go func() {
		time.Sleep(50 * time.Millisecond) // let the buffers fill first
		got, _ := io.ReadAll(io.LimitReader(peer, int64(len(want))))
		done <- got
	}()
	n, err := s.Write(want)
	if n != len(want) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	if got := <-done; !bytes.Equal(got, want) {
		t.Fatalf("peer got %d bytes, not the %d written", len(got), len(want))
	}
}

func TestSockConnReadDeadline(t *testing.T) {
	s, _ := sockPair(t)
	_ = s.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := s.Read(make([]byte, 8))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past deadline = %v; want a timeout", err)
	}
}

// A reset from the peer is the connection's error, as net.Conn reports it.
func TestSockConnReset(t *testing.T) {
	s, peer := sockPair(t)
	_ = peer.SetLinger(0)
	_ = peer.Close()
	_, err := s.Read(make([]byte, 8))
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "read" || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read after reset = %v; want read ECONNRESET", err)
	}
	_, err = s.Write([]byte("x"))
	if !errors.As(err, &op) || op.Op != "write" {
		t.Fatalf("Write after reset = %v; want a write error", err)
	}
	_ = s.Close()
	if _, err := s.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close = %v; want net.ErrClosed", err)
	}
}

// pingPong sends msg from x to y and back, reading each into buf.
func pingPong(tb testing.TB, x, y net.Conn, msg, buf []byte) {
	for _, dir := range [2][2]net.Conn{{x, y}, {y, x}} {
		if _, err := dir[0].Write(msg); err != nil {
			tb.Fatal(err)
		}
		if _, err := io.ReadFull(dir[1], buf[:len(msg)]); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestSockConnDoesNotAllocate(t *testing.T) {
	s, peer := sockPair(t)
	msg, buf := []byte("ping"), make([]byte, 16)
	allocs := testing.AllocsPerRun(200, func() { pingPong(t, s, peer, msg, buf) })
	if allocs != 0 {
		t.Fatalf("a write and a read allocate %.1f times; want 0", allocs)
	}
}

// BenchmarkSockConnPingPong compares a small exchange over loopback through
// net.Conn's read and write with the same through sockConn.
func BenchmarkSockConnPingPong(b *testing.B) {
	for _, tc := range []struct {
		name string
		wrap func(net.Conn) net.Conn
	}{
		{"net.Conn", func(c net.Conn) net.Conn { return c }},
		{"sockConn", rawSock},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c, p := tcpPair(b)
			x, y := tc.wrap(c), tc.wrap(p)
			msg, buf := []byte("GET / HTTP/1.1\r\n\r\n"), make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				pingPong(b, x, y, msg, buf)
			}
		})
	}
}
