package core

import (
	"context"
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
// the listener watches (EPOLLEXCLUSIVE wakes one of them) and serves them
// itself while their requests are ones it can (loopserve): it reads each
// head, routes it, and relays the exchange with a node over upstream
// connections it keeps per node. At the first request it cannot serve, it
// hands the connection, with the bytes read so far, to the listener's
// fasthttp server (handoff), which serves it from then on.
//
// The loop waits on a pollset.Set, parked in the Go runtime's poller like
// any goroutine waiting on a socket, never blocking a thread. Each
// connection has at most one timeout in force (its due time); the set's
// deadline is the earliest, kept lazily.
//
// One goroutine runs the loop; only the stop flags are touched from
// outside.
type evLoop struct {
	g       *Gateway
	lfd     int // the listening socket (a copy of the listener's)
	set     *pollset.Set
	handoff *handoffListener
	limits  frontDoorLimits // with defaults
	port    int             // the listener's port, for X-Forwarded-Port
	// headerTimeout bounds reading a head; idleTimeout the wait for the
	// next request.
	headerTimeout time.Duration
	idleTimeout   time.Duration

	fds     []loopFD // by descriptor
	gen     int32    // the last registration's number
	clients int      // client connections open
	// idle holds the idle upstream connections, per node pool, most
	// recently used last.
	idle map[*nodeClient][]*loopUpstream

	now  time.Time // read once per wake-up
	next time.Time // no due time falls before it; zero: none set
	// timer is the set's deadline; timedOut says the last wait ended on
	// it (or on a wake), so that it must be set again.
	timer    lazyTime
	timedOut bool
	// resumeAt, when set, is when the loop watches the listening socket
	// again after accept4 failed (pauseAccept).
	resumeAt time.Time

	// later holds the upstream connections whose answer a turn left
	// unread (maxReadsPerTurn); the next turn resumes them.
	later, resuming []*loopUpstream

	date    []byte // the Date line for dateAt
	dateAt  int64  // Unix seconds
	scratch []byte

	drain, stop atomic.Bool // set from outside; see loopGroup.stop
	draining    bool        // the loop has begun draining
	// drained is closed once the loop no longer accepts.
	drained chan struct{}

	// served counts the requests the loop answered itself; handed the
	// connections it handed to the fasthttp server.
	served, handed atomic.Uint64
}

// loopFD is what the loop has on one descriptor: a client or an upstream
// connection, and the number its registration was given. An event carries
// that number, so that an event for a connection closed earlier in the
// same batch never reaches a new one given the same descriptor.
type loopFD struct {
	c   *loopClient
	u   *loopUpstream
	gen int32
}

// maxLoopEvents bounds the events one wait takes.
const maxLoopEvents = 256

// newEvLoop returns a loop accepting on lfd, which it does not own.
func newEvLoop(g *Gateway, lfd int, h *handoffListener, s *Snapshot, port int) (*evLoop, error) {
	set, err := pollset.New(maxLoopEvents)
	if err != nil {
		return nil, err
	}
	l := &evLoop{g: g, lfd: lfd, set: set, handoff: h, limits: s.limits.orDefaults(), port: port,
		headerTimeout: s.readHeaderTimeout, idleTimeout: s.idleTimeout,
		idle: make(map[*nodeClient][]*loopUpstream), drained: make(chan struct{})}
	if err := l.watchListener(); err != nil {
		_ = set.Close()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return l, nil
}

// run serves until stopped, or until it has drained, then closes what is
// left and its epoll descriptor.
func (l *evLoop) run() {
	defer l.close()
	for {
		var evs []unix.EpollEvent
		var err error
		if len(l.later) > 0 {
			evs, err = l.set.Poll()
		} else {
			evs, err = l.set.Wait()
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		l.timedOut = err != nil
		l.tick(time.Now())
		for _, e := range evs {
			l.handle(e)
		}
		l.resume()
		if l.stop.Load() {
			return
		}
		if l.drain.Load() && !l.draining {
			l.beginDrain()
		}
		if l.draining && l.clients == 0 {
			return
		}
		l.expire()
	}
}

// tick notes the time of this wake-up.
func (l *evLoop) tick(now time.Time) {
	l.now = now
	if s := now.Unix(); s != l.dateAt {
		l.date = append(now.UTC().AppendFormat(append(l.date[:0], "Date: "...), dateLayout), "\r\n"...)
		l.dateAt = s
	}
}

// dateLayout is the HTTP date format (RFC 9110 §5.6.7).
const dateLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// handle acts on one event.
func (l *evLoop) handle(e unix.EpollEvent) {
	fd := int(e.Fd)
	if fd == l.lfd {
		l.accept()
		return
	}
	if fd >= len(l.fds) {
		return
	}
	switch f := l.fds[fd]; {
	case f.gen != e.Pad:
	case f.c != nil:
		l.clientEvent(f.c, e.Events)
	case f.u != nil:
		l.upstreamEvent(f.u, e.Events)
	}
}

// accept takes every waiting connection.
func (l *evLoop) accept() {
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
			l.pauseAccept()
			return
		}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := &loopClient{fd: fd, peer: sockaddrIP(sa), in: make([]byte, 0, loopClientBuffer)}
		if !l.add(fd, loopFD{c: c}) {
			continue
		}
		l.clients++
		c.headBy = l.now.Add(l.headerTimeout)
		l.setDue(&c.due, c.headBy)
	}
}

// add watches fd for f, edge-triggered both ways; false (fd closed) on
// failure.
func (l *evLoop) add(fd int, f loopFD) bool {
	l.gen++
	f.gen = l.gen
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd), Pad: f.gen}
	if err := unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = unix.Close(fd)
		return false
	}
	for fd >= len(l.fds) {
		l.fds = append(l.fds, loopFD{})
	}
	l.fds[fd] = f
	return true
}

// forget stops watching fd; it stays open.
func (l *evLoop) forget(fd int) {
	l.fds[fd] = loopFD{}
	_ = unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_DEL, fd, nil)
}

// acceptPause is how long a loop stops accepting after accept4 failed
// for want of a resource.
const acceptPause = time.Second

// pauseAccept stops watching the listening socket until acceptPause
// from now.
func (l *evLoop) pauseAccept() {
	if err := unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_DEL, l.lfd, nil); err == nil {
		l.resumeAt = l.now.Add(acceptPause)
		l.setDue(&l.resumeAt, l.resumeAt)
	}
}

// watchListener adds the listening socket to the loop's set.
func (l *evLoop) watchListener() error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLEXCLUSIVE, Fd: int32(l.lfd)}
	return unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_ADD, l.lfd, &ev)
}

// handOff gives c, at a request boundary, to the fasthttp server with the
// bytes read so far. A draining loop closes it instead.
func (l *evLoop) handOff(c *loopClient) {
	if l.draining {
		l.closeClient(c)
		return
	}
	l.forget(c.fd)
	c.gone = true
	l.clients--
	// FileConn duplicates the descriptor into the runtime's poller; the
	// loop's copy closes here.
	f := os.NewFile(uintptr(c.fd), "client")
	nc, err := net.FileConn(f)
	_ = f.Close()
	if err != nil {
		return
	}
	l.handed.Add(1)
	fc := newFrontConn(nc, l.limits, c.peer)
	fc.bound(c.headBy)
	if len(c.in) > 0 {
		fc.prefix(c.in)
	}
	l.handoff.give(fc)
}

// setDue sets *due to t and keeps l.next no later than it.
func (l *evLoop) setDue(due *time.Time, t time.Time) {
	*due = t
	if !t.IsZero() && (l.next.IsZero() || t.Before(l.next)) {
		l.next = t
	}
}

// expire acts on every due time that has come, when one may have, and
// moves the set's deadline to the next, lazily as lazyConn moves
// deadlines.
func (l *evLoop) expire() {
	if !l.next.IsZero() && !l.next.After(l.now) {
		l.next = time.Time{}
		if !l.resumeAt.IsZero() {
			if !l.resumeAt.After(l.now) {
				l.resumeAt = time.Time{}
				if l.watchListener() != nil {
					l.pauseAccept()
				}
			} else {
				l.setDue(&l.resumeAt, l.resumeAt)
			}
		}
		defer l.pruneIdle()
		for _, f := range l.fds {
			switch {
			case f.c != nil && !f.c.due.IsZero():
				if !f.c.due.After(l.now) {
					// Its head, its idle wait, or a write it
					// does not take.
					l.closeClient(f.c)
				} else {
					l.setDue(&f.c.due, f.c.due)
				}
			case f.u != nil && !f.u.due.IsZero():
				if !f.u.due.After(l.now) {
					l.upstreamTimeout(f.u)
				} else {
					l.setDue(&f.u.due, f.u.due)
				}
			}
		}
	}
	if l.timedOut {
		// The deadline passed (or a wake set one in the past): a new
		// one must be set, whatever the lazy timer believes.
		l.timer = lazyTime{}
		_ = l.set.SetDeadline(time.Time{})
	}
	if l.timer.ask(l.next) {
		_ = l.set.SetDeadline(l.timer.at)
	}
	if l.stop.Load() || (l.drain.Load() && !l.draining) {
		// A wake that came while the deadline was being reset above
		// is made again.
		l.timer = lazyTime{}
		l.wake()
	}
}

// pruneIdle drops the closed connections from the idle lists, and the
// lists left empty: a node a reload removed leaves no entry behind.
func (l *evLoop) pruneIdle() {
	for pool, q := range l.idle {
		if q = slices.DeleteFunc(q, func(u *loopUpstream) bool { return u.gone }); len(q) == 0 {
			delete(l.idle, pool)
		} else {
			l.idle[pool] = q
		}
	}
}

// beginDrain stops accepting, closes every connection with no request in
// progress, and has the others close once their answer is out.
func (l *evLoop) beginDrain() {
	l.draining = true
	_ = unix.EpollCtl(l.set.FD(), unix.EPOLL_CTL_DEL, l.lfd, nil)
	l.resumeAt = time.Time{}
	close(l.drained)
	for _, f := range l.fds {
		switch {
		case f.c != nil && !f.c.x.active && len(f.c.out) == 0:
			l.closeClient(f.c)
		case f.c != nil:
			f.c.closeAfter = true
		case f.u != nil && f.u.c == nil:
			l.closeUpstream(f.u)
		}
	}
}

// close closes every connection left and the epoll descriptor.
func (l *evLoop) close() {
	if !l.draining {
		l.draining = true
		close(l.drained)
	}
	for _, f := range l.fds {
		switch {
		case f.c != nil:
			l.closeClient(f.c)
		case f.u != nil:
			l.closeUpstream(f.u)
		}
	}
	_ = l.set.Close()
}

// wake makes run look at the stop flags once it has finished what it is
// doing: the deadline in the past ends the wait in progress.
func (l *evLoop) wake() { _ = l.set.SetDeadline(time.Unix(1, 0)) }

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
	ln     net.Listener
	lnFile *os.File // the listener's descriptor the loops share
	loops  []*evLoop
	wg     sync.WaitGroup
}

// startLoops starts n loops accepting on ln and handing connections they
// do not serve to h.
func startLoops(g *Gateway, ln net.Listener, n int, h *handoffListener, s *Snapshot) (*loopGroup, error) {
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
	port := tl.Addr().(*net.TCPAddr).Port
	lg := &loopGroup{ln: ln, lnFile: f}
	for range n {
		l, err := newEvLoop(g, lfd, h, s, port)
		if err != nil {
			lg.stop(context.Background())
			return nil, err
		}
		lg.loops = append(lg.loops, l)
		lg.wg.Add(1)
		go func() {
			defer lg.wg.Done()
			l.run()
		}()
	}
	return lg, nil
}

// beginStop has the loops stop accepting and handing connections over,
// and drain.
func (lg *loopGroup) beginStop() {
	for _, l := range lg.loops {
		l.drain.Store(true)
		l.wake()
	}
}

// stop drains the loops until ctx ends, then stops them and waits for
// them. What the loops still hold is closed. The listening socket closes
// as soon as no loop accepts on it any more, so that new connections are
// refused while the loops drain.
func (lg *loopGroup) stop(ctx context.Context) {
	lg.beginStop()
	for _, l := range lg.loops {
		select {
		case <-l.drained:
		case <-ctx.Done():
		}
	}
	_ = lg.ln.Close()
	_ = lg.lnFile.Close()
	done := make(chan struct{})
	go func() {
		lg.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		for _, l := range lg.loops {
			l.stop.Store(true)
			l.wake()
		}
		<-done
	}
}

// loopCounts sums, over every loop of g, the requests the loops answered
// themselves and the connections they handed over.
func (g *Gateway) loopCounts() (served, handed uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, lg := range g.loops {
		for _, l := range lg.loops {
			served += l.served.Load()
			handed += l.handed.Load()
		}
	}
	return served, handed
}
