package hc

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// Probe limits.
const (
	// maxProbeBody is the longest response body a probe reads to keep its
	// connection; a longer one closes it (the status still counts).
	maxProbeBody = 64 << 10
	// probeReadBuffer is the read buffer of each pool worker and of the
	// event loop; it bounds the response head.
	probeReadBuffer = 16 << 10
	// maxErrLen bounds Result.Err.
	maxErrLen = 128
	// probeUserAgent is the User-Agent of http and https probes.
	probeUserAgent = "jetway-healthcheck"
)

// probeSpec is an ActiveCheck made ready to probe with.
type probeSpec struct {
	tcp, https bool
	timeout    time.Duration
	healthy    time.Duration // probe interval of a healthy node
	unhealthy  time.Duration // probe interval of an unhealthy node
	port       string        // replaces the node's port; "" keeps it
	verify     bool          // https: verify the server certificate

	// host is the Host header, "" for the probed address; serverName is
	// the TLS server name, "" for the node's host.
	host, serverName string
	// reqHead and reqTail are the request before and after the Host value;
	// fixedReq is the whole request when host is set.
	reqHead, reqTail, fixedReq []byte
	head                       bool // HEAD: responses carry no body

	okStatuses, badStatuses statusSet
	statusErrs              map[int]string // "status N" of each bad status
}

// newProbeSpec reads a defaulted ActiveCheck. Missing healthy or unhealthy
// sections count no status; intervals below 1 s, a timeout of 0 and a
// concurrency below 1 (see NewChecker) take the smallest sane value.
func newProbeSpec(a config.ActiveCheck) probeSpec {
	s := probeSpec{
		tcp:       a.Type == "tcp",
		https:     a.Type == "https",
		timeout:   a.Timeout.Duration(),
		healthy:   time.Second,
		unhealthy: time.Second,
		verify:    a.HTTPSVerifyCertificate == nil || *a.HTTPSVerifyCertificate,
		host:      a.Host,
		head:      strings.EqualFold(a.HTTPMethod, "HEAD"),
	}
	if s.timeout <= 0 {
		s.timeout = config.DefaultActiveTimeout.Duration()
	}
	if a.Port != 0 {
		s.port = strconv.Itoa(a.Port)
	}
	if h := a.Healthy; h != nil {
		s.healthy = time.Duration(max(h.Interval, 1)) * time.Second
		s.okStatuses = newStatusSet(h.HTTPStatuses)
	}
	if u := a.Unhealthy; u != nil {
		s.unhealthy = time.Duration(max(u.Interval, 1)) * time.Second
		s.badStatuses = newStatusSet(u.HTTPStatuses)
		s.statusErrs = make(map[int]string, len(u.HTTPStatuses))
		for _, code := range u.HTTPStatuses {
			s.statusErrs[code] = statusErr(code)
		}
	}
	if a.Host != "" {
		s.serverName = strings.TrimSuffix(strings.TrimPrefix(a.Host, "["), "]")
	}

	method, path := a.HTTPMethod, a.HTTPPath
	if method == "" {
		method = config.DefaultActiveHTTPMethod
	}
	if path == "" {
		path = config.DefaultActiveHTTPPath
	}
	agent := probeUserAgent
	var extra []byte
	for _, h := range a.ReqHeaders {
		name, value, _ := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		// A req_headers Host or User-Agent replaces ours rather than
		// doubling it (two Host fields are a 400, RFC 9112 §3.2).
		switch {
		case strings.EqualFold(name, "Host"):
			s.host = value
		case strings.EqualFold(name, "User-Agent"):
			agent = value
		default:
			extra = append(extra, name+": "+value+"\r\n"...)
		}
	}
	switch strings.ToUpper(method) {
	case "POST", "PUT", "PATCH":
		// Some servers refuse these without a length (411).
		extra = append(extra, "Content-Length: 0\r\n"...)
	}
	s.reqHead = []byte(method + " " + path + " HTTP/1.1\r\nHost: ")
	s.reqTail = append([]byte("\r\nUser-Agent: "+agent+"\r\n"), extra...)
	s.reqTail = append(s.reqTail, "\r\n"...)
	if s.host != "" {
		s.fixedReq = s.request(s.host)
	}
	return s
}

// request returns the probe request with Host: host.
func (s *probeSpec) request(host string) []byte {
	b := make([]byte, 0, len(s.reqHead)+len(host)+len(s.reqTail))
	b = append(b, s.reqHead...)
	b = append(b, host...)
	return append(b, s.reqTail...)
}

// classify maps an HTTP status to its result: unhealthy statuses are
// HTTPFailures, healthy ones Successes, others count for nothing.
func (s *probeSpec) classify(status int) Result {
	switch {
	case s.badStatuses.has(status):
		return Result{Counter: upstream.HTTPFailures, Counts: true, Status: status, Err: s.statusErrs[status]}
	case s.okStatuses.has(status):
		return Result{Counter: upstream.Successes, Counts: true, Status: status}
	}
	return Result{Status: status, Err: statusErr(status)}
}

func statusErr(code int) string { return "status " + strconv.Itoa(code) }

// target is one node's probe state.
type target struct {
	addr string         // the node's address, as given to SetTargets
	dial string         // host:port probed
	ap   netip.AddrPort // dial as an address, when the host is an IP
	req  []byte         // http, https: the request, built once
	tls  *tls.Config    // https
	bad  string         // why addr cannot be probed; "" when it can
	// pooled: the event loop cannot probe it (its host needs a DNS
	// lookup), so a pool worker does.
	pooled bool

	// Schedule, guarded by Checker.mu. A target is either in the queue
	// (index >= 0) or being probed, never both.
	due     time.Time
	index   int
	removed bool

	// The probe in progress, the probing worker's or the loop's alone: its
	// deadline, whether it runs on a kept connection, and whether start
	// left it for finish.
	deadline time.Time
	reused   bool
	started  bool

	// The kept connection of a pool worker's probe. The probing worker
	// sets raw under Checker.mu, so SetTargets and Stop can close it from
	// other goroutines; they only close it. conn is raw or the TLS client
	// over it, used by the probing worker alone.
	raw  net.Conn
	conn net.Conn

	lc loopConn // the event loop's connection and probe, under Checker.mu
}

// newTarget prepares the probe of the node at addr.
func (c *Checker) newTarget(addr string) *target {
	t := &target{addr: addr, index: -1}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.bad = clip("address: " + err.Error())
		return t
	}
	if c.spec.port != "" {
		port = c.spec.port
	}
	t.dial = net.JoinHostPort(host, port)
	t.ap, _ = netip.ParseAddrPort(t.dial)
	t.pooled = c.loop == nil || !t.ap.IsValid() || t.ap.Addr().Zone() != ""
	if c.spec.tcp {
		return t
	}
	// Host is the authority the probe connects to (RFC 9110 §7.2) unless
	// the spec names one.
	if t.req = c.spec.fixedReq; t.req == nil {
		t.req = c.spec.request(t.dial)
	}
	if c.spec.https {
		t.tls = c.tlsConf
		if c.spec.serverName == "" {
			t.tls = c.tlsConf.Clone()
			t.tls.ServerName = host
		}
	}
	return t
}

// probe probes t once: the whole probe (dial, TLS handshake, request,
// response and body) is bounded by the spec's timeout.
func (c *Checker) probe(p *prober, t *target) Result {
	if r, done := c.start(t); done {
		return r
	}
	return c.finish(p, t)
}

// start begins t's probe. A tcp probe runs whole; an http probe connects
// if it has no kept connection and writes its request. done reports that
// the result is final; otherwise finish reads the answer.
func (c *Checker) start(t *target) (r Result, done bool) {
	switch {
	case t.bad != "":
		r = Result{Counter: upstream.TCPFailures, Counts: true, Err: t.bad}
	case c.spec.tcp:
		r = c.probeTCP(t)
	default:
		var ok bool
		if r, ok = c.send(t); ok {
			return Result{}, false
		}
	}
	r.At = c.clock.Now()
	return r, true
}

// finish reads the answer to the request start wrote. A kept connection
// the server had closed says nothing about the node: the request goes
// again on a new one.
func (c *Checker) finish(p *prober, t *target) Result {
	if time.Now().After(t.deadline) {
		// An earlier probe of the batch held the worker past this one's
		// deadline; an answer that already arrived counts.
		_ = t.raw.SetReadDeadline(time.Now().Add(lateGrace))
	}
	r, stale := c.receive(p, t)
	if stale && t.reused {
		t.deadline = time.Now().Add(c.spec.timeout)
		if r, ok := c.resend(t); !ok {
			r.At = c.clock.Now()
			return r
		}
		r, _ = c.receive(p, t)
	}
	r.At = c.clock.Now()
	return r
}

// probeTCP connects and resets at once, through the netpoller. The
// worker pool runs it for nodes named by host and off Linux; the event
// loop probes the rest (loop.dial).
func (c *Checker) probeTCP(t *target) Result {
	if err := dialReset(c.ctx, t.dial, c.spec.timeout); err != nil {
		return failed("connect", err)
	}
	return Result{Counter: upstream.Successes, Counts: true}
}

// dialReset connects to addr, which may need a DNS lookup, through the
// netpoller, then resets the connection.
func dialReset(ctx context.Context, addr string, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	// Reset rather than close: no FIN exchange, and no TIME_WAIT socket
	// left per probe (HAProxy's tcp checks do the same).
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	return conn.Close()
}

// send writes t's request on its kept connection, or on a new one, and
// reports false with the failure when it cannot.
func (c *Checker) send(t *target) (Result, bool) {
	t.deadline = time.Now().Add(c.spec.timeout)
	t.reused = t.conn != nil
	if !t.reused {
		return c.resend(t)
	}
	// Only reads wait on a kept connection: a request is far smaller
	// than the socket buffer, and the server holds at most one.
	if err := t.raw.SetReadDeadline(t.deadline); err != nil {
		c.closeConn(t)
		return c.resend(t)
	}
	if _, err := t.conn.Write(t.req); err != nil {
		c.closeConn(t)
		if isTimeout(err) {
			return failed("write", err), false
		}
		// The server closed the kept connection while it was idle.
		return c.resend(t)
	}
	return Result{}, true
}

// resend writes t's request on a new connection.
func (c *Checker) resend(t *target) (Result, bool) {
	t.reused = false
	if r, ok := c.connect(t, t.deadline); !ok {
		return r, false
	}
	if _, err := t.conn.Write(t.req); err != nil {
		c.closeConn(t)
		return failed("write", err), false
	}
	return Result{}, true
}

// connect dials t and, for https, completes the TLS handshake, by
// deadline. It reports false with the failure when it cannot.
func (c *Checker) connect(t *target, deadline time.Time) (Result, bool) {
	d := net.Dialer{Deadline: deadline, KeepAlive: -1}
	raw, err := d.DialContext(c.ctx, "tcp", t.dial)
	if err != nil {
		return failed("connect", err), false
	}
	if !c.attach(t, raw) {
		// Removed or stopped meanwhile: the result is not reported.
		return failed("connect", net.ErrClosed), false
	}
	if err := raw.SetDeadline(deadline); err != nil {
		c.closeConn(t)
		return failed("connect", err), false
	}
	t.conn = raw
	if t.tls != nil {
		tc := tls.Client(raw, t.tls)
		if err := tc.Handshake(); err != nil {
			c.closeConn(t)
			return failed("handshake", err), false
		}
		t.conn = tc
	}
	if err := raw.SetWriteDeadline(time.Time{}); err != nil {
		c.closeConn(t)
		return failed("connect", err), false
	}
	return Result{}, true
}

// receive reads the response on t's connection. stale reports a
// connection that failed before any response byte arrived (not by timing
// out): a kept connection the server had closed.
func (c *Checker) receive(p *prober, t *target) (r Result, stale bool) {
	resp := &p.resp
	resp.reset(c.spec.head)
	n := 0 // bytes of an unfinished head at the start of p.buf
	for got := false; ; got = true {
		m, err := t.conn.Read(p.buf[n:])
		if m == 0 && err != nil {
			c.closeConn(t)
			if got && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return failed("read", err), !got && !isTimeout(err)
		}
		m += n
		used, done, err := resp.parse(p.buf[:m])
		switch {
		case err != nil:
			c.closeConn(t)
			return failed("read", err), false
		case done:
			if resp.close || used < m {
				// The server said close (or framed the body by
				// closing, or sent too much), or sent more than one
				// response.
				c.closeConn(t)
			}
			return c.spec.classify(resp.status), false
		}
		n = copy(p.buf, p.buf[used:m])
	}
}

// attach records raw as t's connection so that SetTargets and Stop can
// close it. It closes raw and reports false when t was removed or the
// checker stopped.
func (c *Checker) attach(t *target, raw net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.removed || c.stopped {
		raw.Close()
		return false
	}
	t.raw = raw
	return true
}

// closeConn closes t's connection; the next probe dials anew.
func (c *Checker) closeConn(t *target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.raw != nil {
		t.raw.Close()
	}
	t.raw, t.conn = nil, nil
}

// failed is the result of a probe that got no response in phase (connect,
// handshake, write, read). A deadline is a TimeoutFailure; any other error,
// TLS errors included, is a TCPFailure, as in lua-resty-healthcheck.
func failed(phase string, err error) Result {
	if isTimeout(err) {
		return Result{Counter: upstream.TimeoutFailures, Counts: true, Err: phase + ": timeout"}
	}
	return Result{Counter: upstream.TCPFailures, Counts: true, Err: clip(phase + ": " + reason(err))}
}

// isTimeout reports a deadline: any error with a Timeout method that says
// so, net.Error or not (fasthttp's ErrTimeout).
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// reason is err without the addresses and wrappers around its cause:
// "connection refused", not "dial tcp 127.0.0.1:1: connect: connection
// refused".
func reason(err error) string {
	var errno syscall.Errno
	var dns *net.DNSError
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, net.ErrClosed):
		return "connection closed"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &dns):
		return "lookup " + dns.Name + ": " + dns.Err
	}
	return err.Error()
}

// clip cuts s to maxErrLen bytes.
func clip(s string) string {
	if len(s) <= maxErrLen {
		return s
	}
	return s[:maxErrLen-3] + "..."
}
