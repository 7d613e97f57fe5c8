package hc

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestResetterReusesSocket probes an open port five times on IPv4 and on
// IPv6: every probe is a connection the server accepts and sees reset (no
// FIN), all on one socket. A refused connect drops the socket, and the next
// probe opens a new one.
func TestResetterReusesSocket(t *testing.T) {
	for k, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			host := "127.0.0.1"
			if network == "tcp6" {
				host = "::1"
			}
			ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ap := netip.MustParseAddrPort(ln.Addr().String())
			r := newResetter(time.Second)
			defer r.close()

			var ino uint64
			for i := range 5 {
				if err := r.probe(ap); err != nil {
					t.Fatalf("probe %d: %v", i, err)
				}
				ino = checkReusedReset(t, i, r.fd[k], ino, ln)
			}

			closed := netip.MustParseAddrPort(closedAddrOn(t, network, host))
			if err := r.probe(closed); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("probe of a closed port = %v; want connection refused", err)
			}
			if r.fd[k] != -1 {
				t.Errorf("socket %d kept after a refused connect; want it closed", r.fd[k])
			}
			if err := r.probe(ap); err != nil {
				t.Errorf("probe after a refused one: %v", err)
			}
			if r.fd[k] < 0 {
				t.Error("no socket after a successful probe")
			}
		})
	}
}

// closedAddrOn returns an address on host where nothing listens.
func closedAddrOn(t *testing.T, network, host string) string {
	t.Helper()
	ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
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
