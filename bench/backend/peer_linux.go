package main

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"syscall"
)

// tcpEstablished is TCP_ESTABLISHED in Linux's include/net/tcp_states.h.
const tcpEstablished = 1

// peerGone reports whether the client has closed or reset c: the socket has
// left the ESTABLISHED state. Unlike a peek at the receive queue, this sees
// a FIN queued behind unread bytes, such as a TLS close_notify.
func peerGone(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	_ = rc.Control(func(fd uintptr) {
		// The first byte of struct tcp_info is tcpi_state; reading it as
		// an int takes the first four bytes in native byte order.
		v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO)
		if err != nil {
			gone = true
			return
		}
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], uint32(v))
		gone = b[0] != tcpEstablished
	})
	return gone
}
