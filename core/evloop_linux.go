package core

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/jetwayhq/jetway/pollset"
)

// evLoop is one event loop of the loop engine (gateway.http.engine: loop).
// It accepts client connections on a listening socket that every loop of
// the listener watches (EPOLLEXCLUSIVE wakes one of them) and holds each
// new connection, with no goroutine, until its first bytes arrive; then it
// hands the connection to the listener's fasthttp server (handoff). A
// connection that sends nothing within the header timeout is closed.
//
// The loop waits on a pollset.Set, parked in the Go runtime's poller like
// any goroutine waiting on a socket, never blocking a thread; its timers
// are the set's deadline.
//
// One goroutine runs the loop; only stop is touched from outside.
type evLoop struct {
	lfd     int // the listening socket (a copy of the listener's)
	set     *pollset.Set
	timeout time.Duration
	handoff *handoffListener
	limits  frontDoorLimits

	held  map[int]*quietConn // by descriptor
	quiet []*quietConn       // held connections in accept order, so by deadline
	timer lazyTime           // the set's deadline
	// resumeAt, when set, is when the loop watches the listening socket
	// again after accept4 failed (pauseAccept).
	resumeAt time.Time
	stop     atomic.Bool
}

// quietConn is a connection the loop holds: accepted, nothing read yet.
type quietConn struct {
	fd   int
	peer netip.Addr
	by   time.Time // its first request's head is due by then
	gone bool      // handed off or closed
}

// maxLoopEvents bounds the events one wait takes.
const maxLoopEvents = 256

// newEvLoop returns a loop accepting on lfd, which it does not own.
func newEvLoop(lfd int, h *handoffListener, limits frontDoorLimits, timeout time.Duration) (*evLoop, error) {
	set, err := pollset.New(maxLoopEvents)
	if err != nil {
		return nil, err
	}
	l := &evLoop{lfd: lfd, set: set, timeout: timeout, handoff: h, limits: limits,
		held: make(map[int]*quietConn)}
	if err := l.watchListener(); err != nil {
		_ = set.Close()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return l, nil
}

// run serves until stopped, then closes the connections it holds and its
// epoll descriptor.
func (l *evLoop) run() {
	defer l.close()
	for !l.stop.Load() {
		evs, err := l.set.Wait()
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		for _, e := range evs {
			if int(e.Fd) == l.lfd {
				l.accept()
			} else if c := l.held[int(e.Fd)]; c != nil {
				l.handOff(c)
			}
		}
		l.expire(time.Now())
	}
}

// accept takes every waiting connection and holds it.
func (l *evLoop) accept() {
	now := time.Now()
	for {
		fd, sa, err := unix.Accept4(l.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EAGAIN:
			return
		default:
			// Out of descriptors or memory: the listening socket
			// stays readable, so the loop stops watching it for a
			// while rather than spin (fasthttp's Serve sleeps too).
			l.pauseAccept(now)
			return
		}
		c := &quietConn{fd: fd, peer: sockaddrIP(sa), by: now.Add(l.timeout)}
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
		if err := unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			_ = unix.Close(fd)
			continue
		}
		l.held[fd] = c
		if len(l.quiet) > 2*len(l.held)+64 {
			// Most of the queue was handed off: drop those entries
			// so that it stays as long as what the loop holds.
			l.quiet = slices.DeleteFunc(l.quiet, func(c *quietConn) bool { return c.gone })
		}
		l.quiet = append(l.quiet, c)
	}
}

// acceptPause is how long a loop stops accepting after accept4 failed
// for want of a resource.
const acceptPause = time.Second

// pauseAccept stops watching the listening socket until acceptPause
// from now.
func (l *evLoop) pauseAccept(now time.Time) {
	if err := unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_DEL, l.lfd, nil); err == nil {
		l.resumeAt = now.Add(acceptPause)
	}
}

// watchListener adds the listening socket to the loop's set.
func (l *evLoop) watchListener() error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLEXCLUSIVE, Fd: int32(l.lfd)}
	return unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_ADD, l.lfd, &ev)
}

// handOff gives c, readable now, to the fasthttp server.
func (l *evLoop) handOff(c *quietConn) {
	l.release(c)
	// FileConn duplicates the descriptor into the runtime's poller; the
	// loop's copy closes here.
	f := os.NewFile(uintptr(c.fd), "client")
	nc, err := net.FileConn(f)
	_ = f.Close()
	if err != nil {
		return
	}
	fc := newFrontConn(nc, l.limits, c.peer)
	fc.bound(c.by)
	l.handoff.give(fc)
}

// release takes c out of the loop's set; its descriptor stays open.
func (l *evLoop) release(c *quietConn) {
	c.gone = true
	delete(l.held, c.fd)
	_ = unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_DEL, c.fd, nil)
}

// expire closes the held connections whose time is up at now, and moves
// the timer to the next thing due, lazily as lazyConn moves deadlines. A
// timer that fired has passed, so it always moves (or is cleared).
func (l *evLoop) expire(now time.Time) {
	i := 0
	for ; i < len(l.quiet); i++ {
		c := l.quiet[i]
		if c.gone {
			continue
		}
		if c.by.After(now) {
			break
		}
		l.release(c)
		_ = unix.Close(c.fd)
	}
	if i > 0 {
		n := copy(l.quiet, l.quiet[i:])
		clear(l.quiet[n:])
		l.quiet = l.quiet[:n]
	}
	if !l.resumeAt.IsZero() && !l.resumeAt.After(now) {
		l.resumeAt = time.Time{}
		if l.watchListener() != nil {
			l.resumeAt = now.Add(acceptPause)
		}
	}
	due := l.resumeAt
	if len(l.quiet) > 0 && (due.IsZero() || l.quiet[0].by.Before(due)) {
		due = l.quiet[0].by
	}
	if l.timer.ask(due) {
		_ = l.set.SetDeadline(l.timer.at)
	}
}

// close closes every held connection and the epoll descriptor.
func (l *evLoop) close() {
	for _, c := range l.quiet {
		if !c.gone {
			_ = unix.Close(c.fd)
		}
	}
	l.quiet, l.held = nil, nil
	_ = l.set.Close()
}

// wake makes run return once it has finished what it is doing. The loop
// re-reads stop after every wait, and this deadline ends the wait in
// progress.
func (l *evLoop) wake() {
	l.stop.Store(true)
	_ = l.set.SetDeadline(time.Unix(1, 0))
}

// sockaddrIP is the IP address of an accepted peer, unmapped.
func sockaddrIP(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).Unmap()
	}
	return netip.IPv4Unspecified()
}

// loopGroup is the loops serving one listener, one per processor.
type loopGroup struct {
	lnFile *os.File // the listener's descriptor the loops share
	loops  []*evLoop
	wg     sync.WaitGroup
}

// startLoops starts n loops accepting on ln and handing connections to h.
func startLoops(ln net.Listener, n int, h *handoffListener, limits frontDoorLimits, timeout time.Duration) (*loopGroup, error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil, errors.New("jetway: the loop engine needs a TCP listener")
	}
	f, err := tl.File()
	if err != nil {
		return nil, err
	}
	// Fd makes the descriptor blocking; it is read once, then made
	// non-blocking for accept4.
	lfd := int(f.Fd())
	if err := unix.SetNonblock(lfd, true); err != nil {
		_ = f.Close()
		return nil, os.NewSyscallError("fcntl", err)
	}
	g := &loopGroup{lnFile: f}
	for range n {
		l, err := newEvLoop(lfd, h, limits, timeout)
		if err != nil {
			g.stop()
			return nil, err
		}
		g.loops = append(g.loops, l)
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			l.run()
		}()
	}
	return g, nil
}

// stop stops the loops, waits for them, and closes the shared descriptor.
// Connections the loops held are closed: they had sent nothing.
func (g *loopGroup) stop() {
	for _, l := range g.loops {
		l.wake()
	}
	g.wg.Wait()
	_ = g.lnFile.Close()
}
