package core

import (
	"io"
	"net"
	"os"
	"syscall"

	"github.com/jetwayhq/jetway/pollset"
)

// sockConn is a TCP connection read with recvfrom and written with sendto
// through its RawConn, as nginx does. read and write pass through the file
// layer first (vfs_read, sock_read_iter and their permission hooks), about
// a sixth of the kernel's time for a small read on loopback.
// The runtime's poller still parks the goroutine while the socket is not
// ready, and deadlines and Close work as for any net.Conn.
//
// The socket is non-blocking, so neither call waits: they are made as raw
// system calls (pollset.Recv and Send), without the runtime's entersyscall
// and exitsyscall around them, which exist for calls that may block. Each call moves at most
// maxSockIO bytes, so it holds its thread for a bounded copy.
type sockConn struct {
	*net.TCPConn
	raw syscall.RawConn

	recvFn, sendFn func(uintptr) bool
	// The buffer of the Read in progress, what it got and its error.
	in    []byte
	inN   int
	inErr syscall.Errno
	// The buffer of the Write in progress, how much of it went and the
	// error that stopped it.
	out    []byte
	outN   int
	outErr syscall.Errno
}

// maxSockIO bounds the bytes one system call moves: a loopback sendto
// also runs the receiver's side of TCP, so a call's time grows with it.
const maxSockIO = 1 << 20

// rawSock returns c read and written as a sockConn when it is a TCP
// connection, else c.
func rawSock(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	s := &sockConn{TCPConn: tc, raw: raw}
	s.recvFn, s.sendFn = s.recv, s.send
	return s
}

// Read reads into p with one recvfrom once the socket is readable.
func (s *sockConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.in, s.inN, s.inErr = p[:min(len(p), maxSockIO)], 0, 0
	err := s.raw.Read(s.recvFn)
	s.in = nil
	switch {
	case err != nil:
		return 0, err
	case s.inErr != 0:
		return 0, s.opError("read", "recvfrom", s.inErr)
	case s.inN == 0:
		return 0, io.EOF
	}
	return s.inN, nil
}

// recv is the RawConn.Read callback: false asks to wait for readability.
func (s *sockConn) recv(fd uintptr) bool {
	for {
		n, e := pollset.Recv(int(fd), s.in)
		switch e {
		case 0:
			s.inN = n
			return true
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.inErr = e
			return true
		}
	}
}

// Write writes all of p with sendto, waiting for writability as needed.
func (s *sockConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.out, s.outN, s.outErr = p, 0, 0
	err := s.raw.Write(s.sendFn)
	n := s.outN
	s.out = nil
	switch {
	case err != nil:
		return n, err
	case s.outErr != 0:
		return n, s.opError("write", "sendto", s.outErr)
	}
	return n, nil
}

// send is the RawConn.Write callback: it sends until all of out went, an
// error, or the socket is full (false: wait for writability).
func (s *sockConn) send(fd uintptr) bool {
	for s.outN < len(s.out) {
		rest := s.out[s.outN:]
		rest = rest[:min(len(rest), maxSockIO)]
		n, e := pollset.Send(int(fd), rest)
		switch e {
		case 0:
			s.outN += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.outErr = e
			return true
		}
	}
	return true
}

// opError is a failed system call as net.Conn reports it.
func (s *sockConn) opError(op, call string, e syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Source: s.LocalAddr(), Addr: s.RemoteAddr(),
		Err: os.NewSyscallError(call, e)}
}
