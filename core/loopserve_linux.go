package core

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"

	"github.com/jetwayhq/jetway/lb"
	"github.com/jetwayhq/jetway/pollset"
	"github.com/jetwayhq/jetway/upstream"
)

// The event loop serves a request itself when parseLoopRequest takes its
// head and its route has inLoop set; everything else goes to the fasthttp
// server (evLoop.handOff). Served here, a request takes the same course as
// on the default engine (proxy.go): a node not yet tried per attempt, the
// stale keep-alive race absorbed, retries and retry_timeout, the
// connect/send/read timeouts, passive health, and errors mapped by
// classify. The answer's head is relayed as bytes (appendClientHead), its
// body by its framing, with no more than one read buffer held for a slow
// client.

// Buffer sizes of the loop's connections.
const (
	// loopClientBuffer holds a client's request heads; a head that does
	// not fit goes to the fasthttp server, whose buffer fits the limits.
	loopClientBuffer = 4 << 10
	// loopUpstreamBuffer holds a node's response head and what is read
	// of a body at a time.
	loopUpstreamBuffer = 32 << 10
)

// loopClient is a client connection an event loop serves.
type loopClient struct {
	fd   int
	peer netip.Addr
	in   []byte // read and not yet served; cap is the buffer
	out  []byte // to send
	due  time.Time
	// headBy is when the head being read is due.
	headBy time.Time
	// unread: input may be waiting in the socket (edge-triggered). A
	// read that does not fill the buffer took all there was, as later
	// input raises a new edge; but once the peer's FIN was seen (hup),
	// which no later edge announces, reads go on to EAGAIN or EOF.
	unread bool
	hup    bool
	// eof: the client shut its sending side.
	eof bool
	// closeAfter: close once the answer in progress is out.
	closeAfter bool
	gone       bool
	x          loopExchange
}

// loopExchange is the request in progress on a client connection.
type loopExchange struct {
	active bool
	req    loopRequest
	reqLen int // bytes of the client's input the request takes
	rt     *routeRT
	up     *upstreamRT
	t      timeouts
	head   []byte // the upstream head, without Host and framing

	tried    lb.Tried
	at       attempt
	pending  bool // at is open on its node (Begin without End)
	failures int
	began    time.Time // for retry_timeout
	sentAt   time.Time // for ewma
	fresh    bool      // the attempt's connection replaced a stale one
	lastErr  error

	u         *loopUpstream
	answering bool // part of the answer went to the client's buffer
	resp      upstreamHead
	headDone  bool
	interim   int   // 1xx answers skipped
	remain    int64 // body bytes to come, by Content-Length
	chunks    frontScan
}

// loopUpstream is an upstream connection of an event loop.
type loopUpstream struct {
	fd       int
	pool     *nodeClient
	in       []byte
	out      []byte
	due      time.Time
	state    uint8
	requests int  // requests answered on it
	reused   bool // it carried a request before this one
	got      bool // a byte of this answer came in
	unread   bool
	hup      bool // as loopClient's
	closeIt  bool // not to be reused
	idleSlot bool // it holds one of pool's idle slots
	gone     bool
	c        *loopClient // the client it answers; nil when idle
}

// Upstream connection states.
const (
	upConnecting = iota
	upSending
	upWaiting // the request is out; the answer is read as it comes
	upIdle
)

// clientEvent acts on an event of client c.
func (l *evLoop) clientEvent(c *loopClient, ev uint32) {
	if ev&unix.EPOLLERR != 0 {
		l.clientGone(c)
		return
	}
	if ev&unix.EPOLLOUT != 0 && len(c.out) > 0 {
		l.flushClient(c)
		if u := c.x.u; !c.gone && u != nil && len(c.out) == 0 {
			// The client took the answer so far: relay more.
			l.readUpstream(u)
		}
	}
	if !c.gone && ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP) != 0 {
		c.unread, c.hup = true, c.hup || ev&(unix.EPOLLRDHUP|unix.EPOLLHUP) != 0
		l.readClient(c)
	}
}

// readClient reads what the client sent, as far as the buffer takes it,
// and serves it when no answer is in progress.
func (l *evLoop) readClient(c *loopClient) {
	for c.unread && !c.eof && len(c.in) < cap(c.in) {
		n, e := pollset.Recv(c.fd, c.in[len(c.in):cap(c.in)])
		switch {
		case e == unix.EAGAIN:
			c.unread = false
		case e == unix.EINTR:
		case e != 0:
			l.clientGone(c)
			return
		case n == 0:
			c.eof, c.unread = true, false
		default:
			if c.headBy.IsZero() {
				// The first byte after an idle wait.
				c.headBy = l.now.Add(l.headerTimeout)
			}
			// A short read took all there was (unread).
			c.unread = c.hup || n == cap(c.in)-len(c.in)
			c.in = c.in[:len(c.in)+n]
		}
	}
	l.serveNext(c)
}

// serveNext starts on the next request of c, if its head is in and no
// answer is in progress or waiting to go out.
func (l *evLoop) serveNext(c *loopClient) {
	if c.gone || c.x.active || len(c.out) > 0 {
		return
	}
	if c.closeAfter || (c.eof && len(c.in) == 0) {
		l.closeClient(c)
		return
	}
	if len(c.in) == 0 {
		c.headBy = time.Time{}
		l.setDue(&c.due, deadlineAfter(l.now, l.idleTimeout))
		return
	}
	end := bytes.Index(c.in, crlfcrlf)
	if end < 0 {
		// Anything but a plain head still arriving is for the
		// fasthttp server: a head too large for the buffer, empty
		// lines before the request line, a bare LF.
		if len(c.in) == cap(c.in) || c.in[0] == '\r' || c.in[0] == '\n' || bareLF(c.in) {
			l.handOff(c)
		} else if c.eof {
			l.closeClient(c)
		} else {
			l.setDue(&c.due, c.headBy)
		}
		return
	}
	end += len(crlfcrlf)
	req, ok := parseLoopRequest(c.in[:end], l.limits)
	if !ok {
		l.handOff(c)
		return
	}
	s := l.g.snap.Load()
	i, matched := s.router.match(req.method, req.host, req.path, c.peer, nil)
	switch {
	case !matched:
		c.closeAfter = c.closeAfter || req.closeAfter || c.eof || l.draining
		l.consume(c, end)
		l.answerStatus(c, fasthttp.StatusNotFound)
		return
	case i < 0 || !s.routes[i].inLoop:
		l.handOff(c)
		return
	}
	rt := s.routes[i]
	x := &c.x
	x.active, x.req, x.reqLen, x.rt, x.up, x.t = true, req, end, rt, rt.up, rt.timeouts
	x.failures, x.lastErr, x.answering, x.fresh = 0, nil, false, false
	x.tried.Reset()
	if x.up.retryTimeout > 0 {
		x.began = l.now
	}
	c.closeAfter = c.closeAfter || req.closeAfter || c.eof || l.draining
	src := headSource{method: req.method, target: req.target, raw: req.raw, host: req.host, port: l.port}
	x.head, l.scratch = appendUpstreamHead(x.head[:0], l.scratch, &src, c.peer, false)
	c.due = time.Time{}
	l.tryNode(c)
}

// crlfcrlf ends a head.
var crlfcrlf = []byte("\r\n\r\n")

// bareLF reports whether b holds an LF not preceded by CR.
func bareLF(b []byte) bool {
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		if i == 0 || b[i-1] != '\r' {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return false
}

// tryNode starts an attempt of c's request on a node not yet tried, or
// answers with the last error when none is left.
func (l *evLoop) tryNode(c *loopClient) {
	x := &c.x
	up := x.up
	info := lb.PickInfo{Tried: &x.tried, Panic: up.group.Panic()}
	if up.slowStart {
		info.Now = up.clock.Now().UnixNano()
	}
	i, ok := up.balancer.Pick(info)
	if !ok {
		if x.lastErr == nil {
			x.lastErr = ErrNoHealthyNode
		}
		l.answerError(c)
		return
	}
	x.tried.Add(i)
	up.targets[i].Node.Begin()
	x.at, x.pending, x.fresh = attempt{up: up, i: i}, true, false
	l.send(c)
}

// send sends c's request to the attempt's node, on an idle connection to
// it or a new one.
func (l *evLoop) send(c *loopClient) {
	x := &c.x
	pool := x.up.clients[x.at.i]
	var u *loopUpstream
	if !x.fresh {
		u = l.idleConn(pool)
	}
	if u == nil {
		var err error
		if u, err = l.dial(pool); err != nil {
			l.attemptFailed(c, &connectError{err: err})
			return
		}
	}
	u.c, x.u, x.headDone, x.interim = c, u, false, 0
	u.closeIt = pool.maxRequests > 0 && u.requests+1 >= pool.maxRequests
	u.out = appendAttempt(append(u.out[:0], x.head...), x.up.hostFor(x.at.i, x.req.host), u.closeIt, 0, x.req.method)
	u.in, u.got, u.reused = u.in[:0], false, u.requests > 0
	if x.up.observeLatency {
		x.sentAt = time.Now()
	}
	if u.state == upConnecting {
		l.setDue(&u.due, deadlineAfter(l.now, x.t.connect))
		return
	}
	u.state = upSending
	l.flushUpstream(u)
}

// idleConn takes the most recently used idle connection to pool's node.
func (l *evLoop) idleConn(pool *nodeClient) *loopUpstream {
	q := l.idle[pool]
	for len(q) > 0 {
		u := q[len(q)-1]
		q[len(q)-1] = nil
		q = q[:len(q)-1]
		if !u.gone {
			l.idle[pool] = q
			l.leaveIdle(u)
			return u
		}
	}
	if len(l.idle[pool]) > 0 {
		l.idle[pool] = q
	}
	return nil
}

// parkIdle puts u back as the most recently used idle connection.
func (l *evLoop) parkIdle(u *loopUpstream) {
	if !u.pool.reserveIdle() {
		l.closeUpstream(u)
		return
	}
	u.idleSlot, u.state, u.c = true, upIdle, nil
	l.setDue(&u.due, deadlineAfter(l.now, u.pool.idleTimeout))
	l.idle[u.pool] = append(l.idle[u.pool], u)
}

// leaveIdle gives back u's idle slot.
func (l *evLoop) leaveIdle(u *loopUpstream) {
	if u.idleSlot {
		u.idleSlot = false
		u.pool.idle.Add(-1)
	}
	u.due = time.Time{}
}

// dial opens a connection to pool's node; the connect completes later.
func (l *evLoop) dial(pool *nodeClient) (*loopUpstream, error) {
	ap := pool.ap
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	u := &loopUpstream{fd: fd, pool: pool, state: upSending, in: make([]byte, 0, loopUpstreamBuffer)}
	switch err := unix.Connect(fd, sa); err {
	case nil:
	case unix.EINPROGRESS:
		u.state = upConnecting
	default:
		_ = unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	if !l.add(fd, loopFD{u: u}) {
		return nil, os.NewSyscallError("epoll_ctl", unix.EBADF)
	}
	return u, nil
}

// upstreamEvent acts on an event of upstream connection u.
func (l *evLoop) upstreamEvent(u *loopUpstream, ev uint32) {
	if u.state == upConnecting {
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		if e, err := unix.GetsockoptInt(u.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || e != 0 {
			if err == nil {
				err = syscall.Errno(e)
			}
			l.upstreamFailed(u, &connectError{err: os.NewSyscallError("connect", err)})
			return
		}
		u.state = upSending
		l.flushUpstream(u)
		return
	}
	if ev&unix.EPOLLOUT != 0 && u.state == upSending {
		l.flushUpstream(u)
	}
	if !u.gone && ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		u.unread, u.hup = true, u.hup || ev&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0
		l.readUpstream(u)
	}
}

// flushUpstream sends what waits for u; once the request is out, the
// answer is awaited.
func (l *evLoop) flushUpstream(u *loopUpstream) {
	switch e := sendOut(u.fd, &u.out); e {
	case 0:
	case unix.EAGAIN:
		l.setDue(&u.due, deadlineAfter(l.now, u.c.x.t.send))
		return
	default:
		l.upstreamFailed(u, os.NewSyscallError("write", e))
		return
	}
	u.state = upWaiting
	l.setDue(&u.due, deadlineAfter(l.now, u.c.x.t.read))
	if u.unread {
		l.readUpstream(u)
	}
}

// readUpstream reads the answer arriving on u and relays it, holding off
// while the client has not taken what was relayed (its EPOLLOUT resumes
// this). An idle connection that becomes readable is closed: the node
// closed it, or talks out of turn.
func (l *evLoop) readUpstream(u *loopUpstream) {
	c := u.c
	if c == nil {
		l.closeUpstream(u)
		return
	}
	if u.state != upWaiting {
		return
	}
	for reads := 0; u.unread && !u.gone && u.c == c && len(c.out) == 0; reads++ {
		if reads == maxReadsPerTurn {
			// Other connections get their turn before this long
			// answer goes on.
			l.later = append(l.later, u)
			return
		}
		if len(u.in) == cap(u.in) {
			l.upstreamFailed(u, errUpstreamHead)
			return
		}
		n, e := pollset.Recv(u.fd, u.in[len(u.in):cap(u.in)])
		switch {
		case e == unix.EAGAIN:
			u.unread = false
			continue
		case e == unix.EINTR:
			continue
		case e != 0:
			l.upstreamFailed(u, os.NewSyscallError("read", e))
			return
		case n == 0:
			l.upstreamEOF(u)
			return
		}
		u.unread = u.hup || n == cap(u.in)-len(u.in) // as in readClient
		u.in, u.got = u.in[:len(u.in)+n], true
		l.setDue(&u.due, deadlineAfter(l.now, c.x.t.read))
		l.relay(u, c)
	}
	switch {
	case u.gone || u.c != c:
	case len(c.out) > 0:
		// Held off by the client: its send timeout runs instead.
		u.due = time.Time{}
	case u.due.IsZero():
		l.setDue(&u.due, deadlineAfter(l.now, c.x.t.read))
	}
}

// maxReadsPerTurn bounds the reads of one answer per turn of the loop:
// a fast node and a fast client would otherwise keep the loop on one
// large body.
const maxReadsPerTurn = 16

// resume goes on with the answers a turn left unread.
func (l *evLoop) resume() {
	if len(l.later) == 0 {
		return
	}
	l.resuming, l.later = l.later, l.resuming[:0]
	for i, u := range l.resuming {
		l.resuming[i] = nil
		if !u.gone && u.c != nil {
			l.readUpstream(u)
		}
	}
}

// relay moves what u holds of the answer into c's output and sends it.
func (l *evLoop) relay(u *loopUpstream, c *loopClient) {
	x := &c.x
	if !x.headDone && !l.relayHead(u, c) {
		return
	}
	var k int
	done := false
	switch {
	case x.resp.bodyless(x.req.isHead):
		done, u.closeIt = true, u.closeIt || len(u.in) > 0
	case x.resp.chunked:
		var f frontDoorFault
		k, done, f = x.chunks.follow(u.in)
		if f != fdOK {
			l.upstreamFailed(u, errUpstreamChunks)
			return
		}
		c.out = append(c.out, u.in[:k]...)
		u.closeIt = u.closeIt || (done && k < len(u.in))
	case x.resp.length >= 0:
		k = int(min(x.remain, int64(len(u.in))))
		c.out = append(c.out, u.in[:k]...)
		x.remain -= int64(k)
		done = x.remain == 0
		u.closeIt = u.closeIt || (done && k < len(u.in))
	default: // close-delimited: relayed as chunks
		k = len(u.in)
		if k > 0 {
			c.out = strconv.AppendInt(c.out, int64(k), 16)
			c.out = append(c.out, "\r\n"...)
			c.out = append(c.out, u.in...)
			c.out = append(c.out, "\r\n"...)
		}
	}
	u.in = u.in[:copy(u.in, u.in[k:])]
	if done {
		l.finish(c, u)
	}
	l.flushClient(c)
}

// relayHead parses the node's head once it is in, skipping interim 1xx
// answers, and puts the client's form of it in c's output; false while
// the head is incomplete or after a failure.
func (l *evLoop) relayHead(u *loopUpstream, c *loopClient) bool {
	x := &c.x
	for {
		h, err := parseUpstreamHead(u.in)
		switch {
		case err != nil:
			l.upstreamFailed(u, err)
			return false
		case h.end < 0:
			return false
		case h.status == fasthttp.StatusSwitchingProtocols:
			l.upstreamFailed(u, errUpstreamHead)
			return false
		case h.status < 200:
			if x.interim++; x.interim > maxInterimResponses {
				l.upstreamFailed(u, errTooManyInterim)
				return false
			}
			u.in = u.in[:copy(u.in, u.in[h.end:])]
			continue
		}
		x.resp, x.headDone, x.answering = h, true, true
		break
	}
	if x.up.observeLatency {
		x.at.node().ObserveLatency(time.Since(x.sentAt))
	}
	u.closeIt = u.closeIt || x.resp.close
	c.out, l.scratch = appendClientHead(c.out, u.in, &x.resp, x.req.isHead, l.date, c.closeAfter, l.scratch)
	u.in = u.in[:copy(u.in, u.in[x.resp.end:])]
	x.remain = x.resp.length
	if x.resp.chunked && !x.resp.bodyless(x.req.isHead) {
		x.chunks = chunkedBody(l.limits)
	}
	return true
}

// errUpstreamChunks is a chunked body from a node that breaks its framing.
var errUpstreamChunks = errors.New("jetway: malformed chunked body from upstream")

// upstreamEOF handles the node closing u: the end of a close-delimited
// body, else a failure.
func (l *evLoop) upstreamEOF(u *loopUpstream) {
	c := u.c
	x := &c.x
	if x.headDone && x.resp.closeDelimited(x.req.isHead) {
		c.out = append(c.out, "0\r\n\r\n"...)
		u.closeIt = true
		l.finish(c, u)
		l.flushClient(c)
		return
	}
	err := io.EOF
	if u.got {
		err = io.ErrUnexpectedEOF
	}
	l.upstreamFailed(u, err)
}

// finish ends c's exchange, answered in full by u: u goes back to the
// idle pool, or is closed.
func (l *evLoop) finish(c *loopClient, u *loopUpstream) {
	x := &c.x
	l.served.Add(1)
	x.at.end(upstream.Success, x.resp.status, nil)
	x.pending, x.u, x.active = false, nil, false
	u.c = nil
	u.requests++
	// A node that already shut its side (hup) would fail the next
	// request on the connection.
	if u.closeIt || u.hup || (u.pool.maxRequests > 0 && u.requests >= u.pool.maxRequests) {
		l.closeUpstream(u)
	} else {
		l.parkIdle(u)
	}
	l.consume(c, x.reqLen)
}

// consume drops the n bytes of c's input a request took; the head of the
// next one, if it has begun, is due from now.
func (l *evLoop) consume(c *loopClient, n int) {
	c.in = c.in[:copy(c.in, c.in[n:])]
	c.headBy = time.Time{}
	if len(c.in) > 0 {
		c.headBy = l.now.Add(l.headerTimeout)
	}
}

// upstreamFailed ends u's part in its exchange on err. Before any of the
// answer went to the client, the request goes to another node where that
// is allowed (attemptFailed); after, the client's connection is closed, so
// that the answer stays visibly cut short.
func (l *evLoop) upstreamFailed(u *loopUpstream, err error) {
	c := u.c
	got, reused := u.got, u.reused
	l.closeUpstream(u)
	if c == nil {
		return
	}
	x := &c.x
	x.u = nil
	if !x.answering {
		if reused && !got && !x.fresh && isStale(err) {
			// The node closed the kept-alive connection while it
			// was idle: the request goes again on a new one.
			x.fresh = true
			l.send(c)
			return
		}
		l.attemptFailed(c, err)
		return
	}
	_, o := classify(err)
	x.at.end(o, 0, err)
	x.pending, x.active = false, false
	l.g.log.Warn("reading upstream body", "route", x.rt.id, "node", x.at.addr(), "err", err)
	l.closeClient(c)
}

// attemptFailed records a failed attempt of c's request and tries
// another node if retries allow; GET and HEAD without a body can always
// be sent again.
func (l *evLoop) attemptFailed(c *loopClient, err error) {
	x := &c.x
	status, o := classify(err)
	x.at.end(o, 0, err)
	x.pending, x.lastErr = false, err
	x.failures++
	l.g.log.Warn("upstream attempt failed", "route", x.rt.id, "node", x.at.addr(), "status", status, "attempt", x.failures, "err", err)
	if x.failures > x.up.retries || (x.up.retryTimeout > 0 && l.now.Sub(x.began) >= x.up.retryTimeout) {
		l.answerError(c)
		return
	}
	l.tryNode(c)
}

// answerError answers c's request with the status its last error maps to.
func (l *evLoop) answerError(c *loopClient) {
	x := &c.x
	x.active = false
	status, _ := classify(x.lastErr)
	if status == StatusClientClosedRequest {
		l.closeClient(c)
		return
	}
	l.consume(c, x.reqLen)
	l.answerStatus(c, status)
}

// answerStatus answers c with Jetway's own error body for status.
func (l *evLoop) answerStatus(c *loopClient, status int) {
	l.served.Add(1)
	body := errorBody(status)
	c.out = append(c.out, "HTTP/1.1 "...)
	c.out = strconv.AppendInt(c.out, int64(status), 10)
	c.out = append(c.out, ' ')
	c.out = append(c.out, fasthttp.StatusMessage(status)...)
	c.out = append(c.out, "\r\nContent-Type: application/json\r\n"...)
	c.out = appendContentLength(c.out, int64(len(body)))
	c.out = append(c.out, l.date...)
	if c.closeAfter {
		c.out = append(c.out, "Connection: close\r\n"...)
	}
	c.out = append(c.out, "\r\n"...)
	c.out = append(c.out, body...)
	l.flushClient(c)
}

// flushClient sends c's output until it is out or the socket is full.
// Once it is out, a finished exchange makes way for the next request and
// a held-off upstream read resumes.
func (l *evLoop) flushClient(c *loopClient) {
	switch sendOut(c.fd, &c.out) {
	case 0:
	case unix.EAGAIN:
		l.setDue(&c.due, l.now.Add(clientSendTimeout))
		return
	default:
		l.clientGone(c)
		return
	}
	if c.x.active {
		c.due = time.Time{}
		return
	}
	if c.unread {
		l.readClient(c)
	} else {
		l.serveNext(c)
	}
}

// sendOut sends *out on the non-blocking socket fd, dropping what went,
// until it is empty (0), the socket is full (EAGAIN) or an error.
func sendOut(fd int, out *[]byte) syscall.Errno {
	for len(*out) > 0 {
		n, e := pollset.Send(fd, *out)
		switch e {
		case 0:
			*out = (*out)[:copy(*out, (*out)[n:])]
		case unix.EINTR:
		default:
			return e
		}
	}
	return 0
}

// clientGone drops c after a failed read or write, with the exchange in
// progress (logged as 499).
func (l *evLoop) clientGone(c *loopClient) {
	x := &c.x
	if x.active && !x.answering {
		l.g.log.Info("client closed the connection", "status", StatusClientClosedRequest, "route", x.rt.id)
	}
	l.closeClient(c)
}

// closeClient closes c and ends the exchange in progress, closing its
// upstream connection, which is mid-answer.
func (l *evLoop) closeClient(c *loopClient) {
	if c.gone {
		return
	}
	x := &c.x
	if x.pending {
		x.at.end(upstream.ClientGone, 0, ErrClientGone)
		x.pending = false
	}
	if u := x.u; u != nil {
		u.c, x.u = nil, nil
		l.closeUpstream(u)
	}
	x.active = false
	c.gone = true
	l.fds[c.fd] = loopFD{}
	l.clients--
	_ = unix.Close(c.fd)
}

// closeUpstream closes u.
func (l *evLoop) closeUpstream(u *loopUpstream) {
	if u.gone {
		return
	}
	l.leaveIdle(u)
	u.gone = true
	l.fds[u.fd] = loopFD{}
	_ = unix.Close(u.fd)
}

// upstreamTimeout fails the attempt whose connect, send or read timed
// out, or closes an idle connection past its idle timeout.
func (l *evLoop) upstreamTimeout(u *loopUpstream) {
	switch u.state {
	case upIdle:
		l.closeUpstream(u)
	case upConnecting:
		l.upstreamFailed(u, &connectError{err: os.ErrDeadlineExceeded})
	default:
		l.upstreamFailed(u, os.ErrDeadlineExceeded)
	}
}
