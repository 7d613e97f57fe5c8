package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/jetwayhq/jetway/pollset"
)

// loop is the event loop of the parked and blocking designs. One goroutine
// runs it; nothing in it is shared.
type loop struct {
	set  *pollset.Set // the parked design's
	ep   int          // the epoll descriptor (set's, when parked)
	lfd  int          // the listening socket
	park bool
	// The listener and the copy of its descriptor the loop accepts on:
	// held so that no finalizer closes them.
	ln     *net.TCPListener
	lnFile *os.File

	backs  []unix.SockaddrInet4
	next   int
	conns  []*conn           // by descriptor
	idle   [][]*conn         // idle upstream connections, per backend
	events []unix.EpollEvent // the blocking design's
	req    []byte            // the upstream request being built

	date   []byte
	dateAt int64 // the Unix second date was made for
}

// conn is a client or upstream connection of the loop.
type conn struct {
	fd   int
	up   bool // an upstream connection
	back int  // upstream: its backend
	peer *conn
	in   []byte // bytes read and not yet used; cap is the buffer
	out  []byte // bytes to send
	gone bool   // closed

	// Client side.
	peerText   []byte
	closeAfter bool // close once out is sent
	answering  bool // part of the current answer was queued
	unread     bool // input may be waiting in the socket

	// Upstream side.
	connecting bool
	headDone   bool
	remain     int64
	upClose    bool
}

// runLoop serves ln with the event loop until an error.
func runLoop(ln *net.TCPListener, backs []string, park bool) error {
	l := &loop{park: park, idle: make([][]*conn, len(backs))}
	if !park {
		l.events = make([]unix.EpollEvent, 256)
	}
	for _, b := range backs {
		sa, err := sockaddr(b)
		if err != nil {
			return err
		}
		l.backs = append(l.backs, sa)
	}
	f, err := ln.File()
	if err != nil {
		return err
	}
	l.ln, l.lnFile, l.lfd = ln, f, int(f.Fd())
	if err := unix.SetNonblock(l.lfd, true); err != nil {
		return err
	}
	// The parked design's set is watched by the runtime's poller; the
	// blocking design's is not, so that the runtime sees none of it.
	if park {
		if l.set, err = pollset.New(256); err != nil {
			return err
		}
		l.ep = l.set.FD()
	} else if l.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, l.lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(l.lfd)}); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	for {
		evs, err := l.wait()
		if err != nil {
			return err
		}
		if now := time.Now(); now.Unix() != l.dateAt {
			l.date, l.dateAt = dateLine(now), now.Unix()
		}
		for _, e := range evs {
			l.handle(e)
		}
	}
}

// wait returns the next events.
func (l *loop) wait() ([]unix.EpollEvent, error) {
	if l.park {
		return l.set.Wait()
	}
	n, e := epollWait(l.ep, l.events, 0, true)
	if n == 0 && e == 0 {
		n, e = epollWait(l.ep, l.events, -1, false)
	}
	if e != 0 && e != unix.EINTR {
		return nil, os.NewSyscallError("epoll_pwait", e)
	}
	return l.events[:n], nil
}

// epollWait runs epoll_pwait; raw skips the runtime's system-call
// bookkeeping, for a call that does not block.
func epollWait(ep int, evs []unix.EpollEvent, msec int, raw bool) (int, syscall.Errno) {
	call := syscall.Syscall6
	if raw {
		call = syscall.RawSyscall6
	}
	n, _, e := call(syscall.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&evs[0])),
		uintptr(len(evs)), uintptr(msec), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// handle acts on one event.
func (l *loop) handle(e unix.EpollEvent) {
	fd := int(e.Fd)
	if fd == l.lfd {
		l.accept()
		return
	}
	if fd >= len(l.conns) || l.conns[fd] == nil {
		return
	}
	c := l.conns[fd]
	if e.Events&unix.EPOLLOUT != 0 {
		l.writable(c)
	}
	if !c.gone && e.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		if c.up {
			l.readUpstream(c)
		} else {
			c.unread = true
			l.readClient(c)
		}
	}
}

// accept takes every waiting client connection.
func (l *loop) accept() {
	for {
		fd, sa, err := unix.Accept4(l.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := &conn{fd: fd, in: make([]byte, 0, maxHead)}
		if sa4, ok := sa.(*unix.SockaddrInet4); ok {
			c.peerText = []byte(net.IP(sa4.Addr[:]).String())
		}
		l.add(c)
	}
}

// add registers c, edge-triggered for both directions.
func (l *loop) add(c *conn) {
	for c.fd >= len(l.conns) {
		l.conns = append(l.conns, nil)
	}
	l.conns[c.fd] = c
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(c.fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		l.close(c)
	}
}

// close closes c, which leaves the epoll set with it.
func (l *loop) close(c *conn) {
	if c.gone {
		return
	}
	c.gone = true
	l.conns[c.fd] = nil
	_ = unix.Close(c.fd)
}

// readClient reads the client's input and serves the request it holds,
// unless an answer is in progress (no pipelining: the input waits).
func (l *loop) readClient(c *conn) {
	if c.peer != nil || c.closeAfter {
		return
	}
	for c.unread && len(c.in) < cap(c.in) {
		n, e := pollset.Recv(c.fd, c.in[len(c.in):cap(c.in)])
		switch {
		case e == unix.EAGAIN:
			c.unread = false
		case e != 0 || n == 0:
			l.close(c)
			return
		default:
			c.in = c.in[:len(c.in)+n]
		}
	}
	l.serve(c)
}

// serve starts the exchange for the request at the head of c.in.
func (l *loop) serve(c *conn) {
	end := headEnd(c.in)
	if end < 0 {
		if len(c.in) == cap(c.in) {
			l.refuse(c, http.StatusRequestHeaderFieldsTooLarge)
		}
		return
	}
	var r request
	l.req, r = appendRequest(l.req[:0], c.in[:end], c.peerText)
	if r.status != 0 {
		l.refuse(c, r.status)
		return
	}
	back := l.next
	l.next = (l.next + 1) % len(l.backs)
	u := l.upstream(back)
	if u == nil {
		l.refuse(c, http.StatusBadGateway)
		return
	}
	u.out = append(u.out[:0], l.req...)
	c.in = c.in[:copy(c.in, c.in[end:])]
	c.closeAfter, c.answering = r.closeAfter, false
	c.peer, u.peer = u, c
	u.headDone = false
	if !u.connecting && !l.flush(u) {
		l.fail(u)
	}
}

// refuse answers c with status and closes it once that is sent.
func (l *loop) refuse(c *conn, status int) {
	c.out = appendRefusal(c.out, status)
	c.closeAfter = true
	if !l.flush(c) {
		l.close(c)
	}
}

// upstream returns an idle connection to backend back, or a new one.
func (l *loop) upstream(back int) *conn {
	for q := l.idle[back]; len(q) > 0; q = l.idle[back] {
		u := q[len(q)-1]
		l.idle[back] = q[:len(q)-1]
		if !u.gone {
			return u
		}
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	sa := l.backs[back]
	u := &conn{fd: fd, up: true, back: back, in: make([]byte, 0, 64<<10)}
	switch err := unix.Connect(fd, &sa); {
	case err == unix.EINPROGRESS:
		u.connecting = true
	case err != nil:
		_ = unix.Close(fd)
		return nil
	}
	l.add(u)
	if u.gone {
		return nil
	}
	return u
}

// writable sends what waits for c; an upstream connection whose connect
// just finished sends its request.
func (l *loop) writable(c *conn) {
	if c.connecting {
		c.connecting = false
		if e, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || e != 0 {
			l.fail(c)
			return
		}
	}
	had := len(c.out) > 0
	if !l.flush(c) {
		if c.up {
			l.fail(c)
		} else {
			l.dropClient(c)
		}
		return
	}
	if c.up || !had || len(c.out) > 0 || c.gone {
		return
	}
	// The client took what was queued: read more of the answer, or
	// serve the next request.
	if c.peer != nil {
		l.readUpstream(c.peer)
	} else {
		l.readClient(c)
	}
}

// flush sends c.out until it is empty or the socket is full; false on an
// error. A client whose last answer went out is closed if it asked.
func (l *loop) flush(c *conn) bool {
	for len(c.out) > 0 && !c.connecting {
		n, e := pollset.Send(c.fd, c.out)
		switch {
		case e == unix.EAGAIN:
			return true
		case e != 0:
			return false
		}
		c.out = c.out[:copy(c.out, c.out[n:])]
	}
	if !c.up && len(c.out) == 0 && c.closeAfter && c.peer == nil {
		l.close(c)
	}
	return true
}

// readUpstream relays the answer arriving on u to its client, holding off
// while the client has not taken what was queued.
func (l *loop) readUpstream(u *conn) {
	for {
		c := u.peer
		if c != nil && len(c.out) > 0 {
			return // the client's EPOLLOUT resumes this
		}
		n, e := pollset.Recv(u.fd, u.in[len(u.in):cap(u.in)])
		switch {
		case e == unix.EAGAIN:
			return
		case e != 0 || n == 0:
			l.fail(u)
			return
		}
		u.in = u.in[:len(u.in)+n]
		if c == nil {
			l.close(u) // an idle connection that talks is broken
			return
		}
		if !l.relay(u, c) {
			return
		}
	}
}

// relay moves what u holds of the answer to c; false once u is done with.
func (l *loop) relay(u, c *conn) bool {
	if !u.headDone {
		end := headEnd(u.in)
		if end < 0 {
			if len(u.in) == cap(u.in) {
				l.fail(u)
				return false
			}
			return true
		}
		var r response
		c.out, r = appendResponse(c.out, u.in[:end], l.date, c.closeAfter)
		if r.bodyLen < 0 {
			c.out = c.out[:0]
			l.fail(u)
			return false
		}
		u.in = u.in[:copy(u.in, u.in[end:])]
		u.headDone, u.remain, u.upClose = true, r.bodyLen, r.upClose
	}
	k := min(u.remain, int64(len(u.in)))
	c.out = append(c.out, u.in[:k]...)
	u.in = u.in[:copy(u.in, u.in[k:])]
	u.remain -= k
	c.answering = true
	done := u.remain == 0
	if done {
		l.finish(u, c)
	}
	if !l.flush(c) {
		l.dropClient(c)
		return false
	}
	if done && !c.gone && len(c.out) == 0 {
		l.readClient(c)
	}
	return !done
}

// finish ends the exchange between u and c: u goes back to its pool.
func (l *loop) finish(u, c *conn) {
	u.peer, c.peer = nil, nil
	if u.upClose || len(u.in) > 0 {
		l.close(u)
		return
	}
	l.idle[u.back] = append(l.idle[u.back], u)
}

// fail ends u's exchange on an upstream error: 502 if nothing of the answer
// went to the client yet, else the client's connection is closed.
func (l *loop) fail(u *conn) {
	c := u.peer
	l.close(u)
	if c == nil {
		return
	}
	c.peer = nil
	if c.answering {
		l.close(c)
		return
	}
	l.refuse(c, http.StatusBadGateway)
}

// dropClient closes a client that failed, and the upstream connection of
// its exchange (the rest of the answer would have nowhere to go).
func (l *loop) dropClient(c *conn) {
	if u := c.peer; u != nil {
		c.peer, u.peer = nil, nil
		l.close(u)
	}
	l.close(c)
}

// sockaddr parses an IPv4 host:port.
func sockaddr(hostport string) (unix.SockaddrInet4, error) {
	ap, err := net.ResolveTCPAddr("tcp4", hostport)
	if err != nil {
		return unix.SockaddrInet4{}, err
	}
	ip := ap.IP.To4()
	if ip == nil {
		return unix.SockaddrInet4{}, fmt.Errorf("backend %s: not an IPv4 address", hostport)
	}
	sa := unix.SockaddrInet4{Port: ap.Port}
	copy(sa.Addr[:], ip)
	return sa, nil
}
