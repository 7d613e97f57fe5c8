//go:build linux

package hc

import (
	"container/heap"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/jetwayhq/jetway/upstream"
)

// loopEvents is how many events one epoll_wait returns at most.
const loopEvents = 256

// wakeOne is what wake writes to the eventfd: a uint64 1, any byte order.
var wakeOne = [8]byte{1}

// loop is a Checker's event loop: one goroutine that runs the schedule and
// the I/O of every http and tcp probe of an IP address, on nonblocking
// sockets in one epoll set (level-triggered). An http probe connects if
// its target has no kept connection, writes the request, and reads the
// answer as it arrives, parsing it piece by piece (response). A tcp probe
// connects and resets, on a spare socket it reuses. Between rounds the loop
// sleeps (see run) until an event or a tick, the earliest probe deadline,
// the next due time (RealClock), or a wake on its eventfd: from
// SetTargets, Stop, the pool's workers, or the timer of any other Clock.
//
// Everything but wfd is guarded by Checker.mu, which the loop holds
// whenever it is not asleep; so SetTargets and Stop close a target's
// descriptor themselves, and a stale event finds no target, or one whose
// connection number (EpollEvent.Pad) differs. wfd changes only in close,
// after run has ended.
type loop struct {
	c    *Checker
	ep   int  // epoll descriptor
	real bool // c.clock is RealClock: epoll_wait's timeout waits for due times
	// timer wakes the loop when the earliest target falls due, for clocks
	// but RealClock; armed is the due time it is set for.
	timer Timer
	armed time.Time

	wmu sync.Mutex // guards wfd, for wake
	wfd int        // eventfd; -1 once closed

	gen    int32     // numbers connections, for EpollEvent.Pad
	byFd   []*target // the target of each open descriptor
	flight []inflight
	head   int // flight[head:] are the probes that may be in flight
	// waiting[waitHead:] are due targets waiting in line for a slot.
	waiting  []*target
	waitHead int
	connects int       // probes in flight that hold a slot: they connect
	done     []*target // finished probes, reported before c.mu is released

	// spare is, for tcp checks, an unconnected socket per address family
	// (IPv4, IPv6) for the next probe; -1: none.
	spare  [2]int
	sa4    unix.SockaddrInet4 // the address dial connects to
	sa6    unix.SockaddrInet6
	events []unix.EpollEvent
	pfd    [1]unix.PollFd // the eventfd, for sleep
	buf    []byte         // read buffer, probeReadBuffer long
	eb     [8]byte
}

// inflight is a started probe and its deadline. Probes all have the
// spec's timeout, so flight is in deadline order; an entry whose target
// finished, or started again, is skipped.
type inflight struct {
	t        *target
	deadline time.Time
}

// loopConn is a target's connection on the event loop and the state of its
// probe.
type loopConn struct {
	fd    int
	gen   int32 // the connection's number
	open  bool
	out   bool // the connection waits for EPOLLOUT, not EPOLLIN
	phase loopPhase
	busy  bool // a probe is in flight
	slot  bool // the probe holds one of Checker.slots
	sent  int  // request bytes written
	got   bool // a response byte arrived
	resp  response
	pend  []byte // an unfinished response head
	res   Result // the finished probe's result, until reported
}

// loopPhase is what a connection waits for.
type loopPhase uint8

const (
	phaseIdle    loopPhase = iota // nothing: kept between probes
	phaseConnect                  // the connect to finish (EPOLLOUT)
	phaseWrite                    // room for the rest of the request (EPOLLOUT)
	phaseRead                     // the answer (EPOLLIN)
)

// newLoop creates c's event loop, which run then runs.
func newLoop(c *Checker) (*loop, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ep)
		return nil, os.NewSyscallError("eventfd", err)
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wfd)}); err != nil {
		unix.Close(ep)
		unix.Close(wfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	l := &loop{
		c:      c,
		ep:     ep,
		wfd:    wfd,
		events: make([]unix.EpollEvent, loopEvents),
		buf:    make([]byte, probeReadBuffer),
		pfd:    [1]unix.PollFd{{Fd: int32(wfd), Events: unix.POLLIN}},
		spare:  [2]int{-1, -1},
	}
	if _, l.real = c.clock.(RealClock); !l.real {
		l.timer = c.clock.AfterFunc(time.Hour, l.wake)
		l.timer.Stop()
	}
	return l, nil
}

// run is the loop's goroutine. It ends when the checker stops.
//
// While answers are coming in, it runs once a tick: it sleeps on the
// eventfd alone until the next tick, then takes every event that arrived
// meanwhile with one epoll_wait that does not block. At 10,000 probes a
// second that is about 200 rounds a second, where waking for each answer
// took over 1,000. An answer is read at most a tick after it arrives.
// Otherwise (nothing arrived in the last round, or probes that connect
// hold or wait for slots) it sleeps in epoll_wait, to wake for the first
// event.
func (l *loop) run() {
	c := l.c
	defer c.wg.Done()
	n := 0
	for {
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			return
		}
		l.handle(l.events[:n])
		l.expire(time.Now())
		started := l.startDue()
		l.report()
		ms, paced := l.timeout(time.Now(), n > 0 || started)
		c.mu.Unlock()
		if paced {
			l.sleep(ms)
			ms = 0
		}
		n = l.wait(ms)
	}
}

// wait waits up to ms milliseconds (-1: no limit) for events.
func (l *loop) wait(ms int) int {
	n, err := unix.EpollWait(l.ep, l.events, ms)
	if err != nil {
		// EINTR: look again.
		return 0
	}
	return n
}

// sleep waits up to ms milliseconds for a wake, ignoring the sockets.
func (l *loop) sleep(ms int) {
	l.pfd[0].Revents = 0
	_, _ = unix.Poll(l.pfd[:], ms)
}

// wake makes the loop look at the queue again. It is safe to call from
// any goroutine, on a nil loop, and after close.
func (l *loop) wake() {
	if l == nil {
		return
	}
	l.wmu.Lock()
	if l.wfd >= 0 {
		_, _ = unix.Write(l.wfd, wakeOne[:])
	}
	l.wmu.Unlock()
}

// close releases the loop's descriptors once run has ended; the targets'
// descriptors are closed by Stop.
func (l *loop) close() {
	if l == nil {
		return
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.wmu.Lock()
	if l.wfd >= 0 {
		unix.Close(l.wfd)
		l.wfd = -1
		unix.Close(l.ep)
		for k, fd := range l.spare {
			if fd >= 0 {
				unix.Close(fd)
				l.spare[k] = -1
			}
		}
	}
	l.wmu.Unlock()
}

// timeout is how long the loop may wait, in milliseconds (-1: until an
// event): until the earliest deadline and the earliest due time (for
// clocks other than RealClock, their timer is set for the due time
// instead). busy says the last round had events or started probes; then,
// if probes are in flight, but none that holds a slot or waits for one,
// paced says to sleep until the next tick rather than wake for events. A
// probe that connects holds its slot for two round trips, connect and
// request, which pacing would stretch to two ticks.
func (l *loop) timeout(now time.Time, busy bool) (ms int, paced bool) {
	c := l.c
	ms = -1
	if l.head < len(l.flight) {
		ms = ceilMs(l.flight[l.head].deadline.Sub(now))
	}
	if busy && l.head < len(l.flight) && l.connects == 0 && l.waitHead == len(l.waiting) {
		if d := ceilMs(now.Truncate(tick).Add(tick).Sub(now)); ms < 0 || d < ms {
			ms = d
		}
		paced = true
	}
	if len(c.queue) == 0 {
		return ms, paced
	}
	cnow := c.clock.Now()
	due := c.queue[0].due
	if l.real {
		if d := ceilMs(due.Sub(cnow)); ms < 0 || d < ms {
			ms = d
		}
		return ms, paced
	}
	if !l.armed.IsZero() && !l.armed.After(cnow) {
		l.armed = time.Time{} // fired
	}
	if l.armed.IsZero() || l.armed.After(due) {
		l.timer.Reset(max(due.Sub(cnow), 0))
		l.armed = due
		// A Timer measures from the clock's reading when it is set: if
		// the clock moved since cnow, it may be late, so look again.
		if c.clock.Now().Sub(cnow) > armSlack {
			l.armed = time.Time{}
			return 0, false
		}
	}
	return ms, paced
}

// ceilMs is d in whole milliseconds, rounded up, 0 when it has passed.
func ceilMs(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(min((d+time.Millisecond-1)/time.Millisecond, 1<<30))
}

// startDue starts the due probes and reports whether it started any. A
// probe on a kept connection starts at once; one that must connect takes a
// slot, or waits in line for one, and so does a target the pool probes
// (those go to its workers in batches).
func (l *loop) startDue() bool {
	c := l.c
	var batch []*target
	now := c.clock.Now()
	started := false
	for ; l.waitHead < len(l.waiting) && c.slots > 0; l.waitHead++ {
		t := l.waiting[l.waitHead]
		l.waiting[l.waitHead] = nil
		if !t.removed {
			batch = l.claim(t, batch, now)
			started = true
		}
	}
	if l.waitHead == len(l.waiting) {
		l.waiting, l.waitHead = l.waiting[:0], 0
	}
	for len(c.queue) > 0 && !c.queue[0].due.After(now) {
		t := heap.Pop(&c.queue).(*target)
		started = true
		switch {
		case t.bad != "" || (!t.pooled && t.lc.open):
			l.begin(t)
		case c.slots == 0:
			l.waiting = append(l.waiting, t)
		default:
			batch = l.claim(t, batch, now)
		}
	}
	if len(batch) > 0 {
		l.hand(batch, now)
	}
	return started
}

// claim takes a slot for t and starts its probe, or adds t to batch for
// the pool, handing batch over when full. It returns the batch.
func (l *loop) claim(t *target, batch []*target, now time.Time) []*target {
	l.c.slots--
	if !t.pooled {
		t.lc.slot = true
		l.connects++
		l.begin(t)
		return batch
	}
	if batch == nil {
		batch = l.c.spareBatch()
	}
	if batch = append(batch, t); len(batch) == maxBatch {
		l.hand(batch, now)
		return nil
	}
	return batch
}

// hand gives batch to the pool's workers. Every batch holds a slot, and
// the work channel has room for as many batches as there are slots, so
// the send does not block; were it full, the batch would wait a tick.
func (l *loop) hand(batch []*target, now time.Time) {
	c := l.c
	select {
	case c.work <- batch:
		return
	default:
	}
	for _, t := range batch {
		t.due = roundUp(now.Add(tick))
		heap.Push(&c.queue, t)
	}
	c.slots += len(batch)
}

// report reports the finished probes and puts their targets back in the
// queue.
func (l *loop) report() {
	if len(l.done) == 0 {
		return
	}
	now := l.c.clock.Now()
	for i, t := range l.done {
		l.c.doneLocked(t, t.lc.res, now)
		l.done[i] = nil
	}
	l.done = l.done[:0]
}

// handle serves the events epoll_wait returned.
func (l *loop) handle(events []unix.EpollEvent) {
	for _, ev := range events {
		fd := int(ev.Fd)
		if fd == l.wfd {
			_, _ = unix.Read(l.wfd, l.eb[:])
			continue
		}
		if fd >= len(l.byFd) {
			continue
		}
		t := l.byFd[fd]
		if t == nil || t.lc.gen != ev.Pad {
			continue // closed since
		}
		switch t.lc.phase {
		case phaseIdle:
			// The server closed a kept connection, or spoke unasked.
			l.closeConn(t)
		case phaseConnect:
			l.connected(t)
		case phaseWrite:
			l.write(t)
		case phaseRead:
			l.read(t)
		}
	}
}

// begin starts t's probe: on its kept connection, or on a new one.
func (l *loop) begin(t *target) {
	t.lc.busy = true
	if t.bad != "" {
		l.finish(t, Result{Counter: upstream.TCPFailures, Counts: true, Err: t.bad})
		return
	}
	t.reused = t.lc.open
	l.restart(t)
	if t.reused {
		l.write(t)
		return
	}
	l.dial(t)
}

// restart sets t's probe back to its start, with a new deadline.
func (l *loop) restart(t *target) {
	t.deadline = time.Now().Add(l.c.spec.timeout)
	l.flight = append(l.flight, inflight{t, t.deadline})
	t.lc.sent, t.lc.got = 0, false
	t.lc.resp.reset(l.c.spec.head)
	t.lc.pend = t.lc.pend[:0]
}

// retry sends t's request again on a new connection: the kept one had
// been closed by the server while it was idle, which says nothing about
// the node.
func (l *loop) retry(t *target) {
	t.reused = false
	l.restart(t)
	l.dial(t)
}

// dial opens a new connection for t's probe, in progress until EPOLLOUT.
// A tcp probe takes the loop's spare socket of its family, if any, and
// is done as soon as the connect is: see connectOnce.
func (l *loop) dial(t *target) {
	k, family, sa := fillSockaddr(t.ap, &l.sa4, &l.sa6)
	tcp := l.c.spec.tcp
	fd := -1
	if tcp {
		fd, l.spare[k] = l.spare[k], -1
	}
	if fd < 0 {
		var err error
		if fd, err = probeSocket(family); err != nil {
			l.fail(t, "connect", err)
			return
		}
	}
	err := unix.Connect(fd, sa)
	if tcp {
		err = connectOnce(fd, sa, err)
		if err == nil {
			l.keep(k, fd)
			l.finish(t, Result{Counter: upstream.Successes, Counts: true})
			return
		}
	}
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		l.fail(t, "connect", err)
		return
	}
	l.gen++
	t.lc.fd, t.lc.gen, t.lc.open = fd, l.gen, true
	for fd >= len(l.byFd) {
		l.byFd = append(l.byFd, nil)
	}
	l.byFd[fd] = t
	t.lc.phase, t.lc.out = phaseConnect, true
	ev := uint32(unix.EPOLLOUT)
	if err == nil {
		t.lc.phase, t.lc.out = phaseWrite, false
		ev = unix.EPOLLIN
	}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd), Pad: t.lc.gen}); err != nil {
		l.closeConn(t)
		l.fail(t, "connect", os.NewSyscallError("epoll_ctl", err))
		return
	}
	if t.lc.phase == phaseWrite {
		l.write(t)
	}
}

// connectOnce finishes a tcp probe's nonblocking connect on fd when it
// can without waiting: on a fast network (loopback, a LAN) the handshake
// has often completed by the time connect returns EINPROGRESS, and a
// second connect then reports EISCONN. It returns err, the first
// connect's result, as nil when connected, EINPROGRESS while the
// handshake goes on, or the failure.
func connectOnce(fd int, sa unix.Sockaddr, err error) error {
	if err != unix.EINPROGRESS {
		return err
	}
	switch err = unix.Connect(fd, sa); err {
	case unix.EISCONN:
		return nil
	case unix.EALREADY, unix.EINPROGRESS, unix.EINTR:
		return unix.EINPROGRESS
	}
	return err
}

// keep resets the connection on fd, a tcp probe's (a connect to
// AF_UNSPEC: an RST, no TIME_WAIT), and keeps the socket as the spare of
// family k for the next probe; it closes it if the reset fails or a spare
// is kept already.
func (l *loop) keep(k int, fd int) {
	if l.spare[k] < 0 && disconnect(fd) == nil {
		l.spare[k] = fd
		return
	}
	unix.Close(fd)
}

// connected finishes t's connect and writes the request; a tcp probe is
// done.
func (l *loop) connected(t *target) {
	soerr, err := unix.GetsockoptInt(t.lc.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	if err != nil {
		l.closeConn(t)
		l.fail(t, "connect", err)
		return
	}
	if l.c.spec.tcp {
		l.closeConn(t) // linger 0: a reset
		l.finish(t, Result{Counter: upstream.Successes, Counts: true})
		return
	}
	t.lc.phase = phaseWrite
	l.write(t)
}

// watch sets the events t's connection waits for: EPOLLIN or EPOLLOUT.
func (l *loop) watch(t *target, events uint32) error {
	t.lc.out = events&unix.EPOLLOUT != 0
	ev := unix.EpollEvent{Events: events, Fd: int32(t.lc.fd), Pad: t.lc.gen}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_MOD, t.lc.fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// write writes what is left of t's request. A request is far smaller than
// a socket buffer, so it goes in one write but on a congested connection.
func (l *loop) write(t *target) {
	lc := &t.lc
	for lc.sent < len(t.req) {
		n, err := unix.Write(lc.fd, t.req[lc.sent:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			// Wait for room alone: an early answer must not wake the
			// loop again and again meanwhile.
			lc.phase = phaseWrite
			if !lc.out {
				if err := l.watch(t, unix.EPOLLOUT); err != nil {
					l.closeConn(t)
					l.fail(t, "write", err)
				}
			}
			return
		case err != nil:
			l.closeConn(t)
			if t.reused {
				l.retry(t)
				return
			}
			l.fail(t, "write", err)
			return
		}
		lc.sent += n
	}
	if lc.out {
		if err := l.watch(t, unix.EPOLLIN); err != nil {
			l.closeConn(t)
			l.fail(t, "write", err)
			return
		}
	}
	lc.phase = phaseRead
}

// read reads what has arrived of t's answer and parses it. An unfinished
// head waits in t's pend, which is read into next; everything else is read
// into the loop's buffer.
func (l *loop) read(t *target) {
	lc := &t.lc
	buf := l.buf
	if len(lc.pend) > 0 {
		if cap(lc.pend)-len(lc.pend) < 1024 && cap(lc.pend) < probeReadBuffer {
			p := make([]byte, len(lc.pend), min(2*cap(lc.pend)+1024, probeReadBuffer))
			lc.pend = p[:copy(p, lc.pend)]
		}
		buf = lc.pend[len(lc.pend):cap(lc.pend)]
	}
	n, err := unix.Read(lc.fd, buf)
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if n <= 0 {
		if err == nil {
			err = io.EOF
			if lc.got {
				err = io.ErrUnexpectedEOF
			}
		}
		l.closeConn(t)
		if !lc.got && t.reused {
			l.retry(t)
			return
		}
		l.fail(t, "read", err)
		return
	}
	lc.got = true
	data := buf[:n]
	if len(lc.pend) > 0 {
		lc.pend = lc.pend[:len(lc.pend)+n]
		data = lc.pend
	}
	used, done, err := lc.resp.parse(data)
	switch {
	case err != nil:
		l.closeConn(t)
		l.fail(t, "read", err)
	case done:
		if lc.resp.close || used < len(data) {
			// The server said close (or framed the body by closing, or
			// sent too much), or sent more than one response.
			l.closeConn(t)
		}
		l.finish(t, l.c.spec.classify(lc.resp.status))
	case len(lc.pend) > 0:
		lc.pend = lc.pend[:copy(lc.pend, data[used:])]
	case used < len(data):
		lc.pend = append(lc.pend, data[used:]...)
	}
}

// expire fails the probes whose deadline has passed, and leaves flight
// starting at the earliest deadline still to come.
func (l *loop) expire(now time.Time) {
	for ; l.head < len(l.flight); l.head++ {
		f := l.flight[l.head]
		if t := f.t; t.lc.busy && t.deadline.Equal(f.deadline) {
			if f.deadline.After(now) {
				break
			}
			phase := "read"
			switch t.lc.phase {
			case phaseConnect:
				phase = "connect"
			case phaseWrite:
				phase = "write"
			}
			l.closeConn(t)
			l.fail(t, phase, os.ErrDeadlineExceeded)
		}
		l.flight[l.head] = inflight{}
	}
	switch {
	case l.head == len(l.flight):
		l.flight, l.head = l.flight[:0], 0
	case l.head >= 1024 && 2*l.head >= len(l.flight):
		n := copy(l.flight, l.flight[l.head:])
		clear(l.flight[n:])
		l.flight, l.head = l.flight[:n], 0
	}
}

// fail finishes t's probe with the failure of phase.
func (l *loop) fail(t *target, phase string, err error) { l.finish(t, failed(phase, err)) }

// finish ends t's probe with r, which report reports.
func (l *loop) finish(t *target, r Result) {
	r.At = l.c.clock.Now()
	t.lc.res = r
	t.lc.busy = false
	t.lc.phase = phaseIdle
	if t.lc.slot {
		t.lc.slot = false
		l.c.slots++
		l.connects--
	}
	l.done = append(l.done, t)
}

// closeConn closes t's connection, which leaves the epoll set with it.
func (l *loop) closeConn(t *target) {
	lc := &t.lc
	if !lc.open {
		return
	}
	unix.Close(lc.fd)
	if lc.fd < len(l.byFd) && l.byFd[lc.fd] == t {
		l.byFd[lc.fd] = nil
	}
	lc.open = false
	lc.phase = phaseIdle
}

// drop closes t's connection and ends its probe unreported: t was removed
// or the checker stopped. It is safe on a nil loop.
func (l *loop) drop(t *target) {
	if l == nil {
		return
	}
	l.closeConn(t)
	t.lc.busy = false
	if t.lc.slot {
		t.lc.slot = false
		l.c.slots++
		l.connects--
	}
}
