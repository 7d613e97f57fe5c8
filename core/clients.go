package core

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"maps"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// clientKey identifies a node's connection pool: the same address with the
// same transport settings shares one pool across snapshots, so keep-alive
// connections survive reloads.
type clientKey struct {
	addr        string
	tls         string // digest of the TLS settings; empty for plain HTTP
	size        int
	idleTimeout time.Duration
	requests    int
}

// nodeClient is one node's keep-alive pool. Jetway uses the fasthttp
// HostClient only for its pool and buffers; the exchange itself is
// Jetway's (transport.go), so retries, stale-connection handling and the
// per-connection request limit are ours.
type nodeClient struct {
	hc   *fasthttp.HostClient
	addr string
	// byName, when set, holds one pool per TLS server name: an https
	// upstream with pass_host pass sends the client's Host as SNI.
	byName *namedPools
	// idleMax is keepalive_pool.size: idle connections kept.
	idleMax int
	// idle counts this node's idle pooled connections, over all its pools.
	// A slot is reserved before a connection goes idle, so concurrent
	// releases never overshoot idleMax.
	idle *atomic.Int64
	// maxRequests is keepalive_pool.requests: requests per connection.
	maxRequests int
	// idleTimeout is keepalive_pool.idle_timeout.
	idleTimeout time.Duration
	// ap is the node's address when it is an IP literal, which the loop
	// engine's event loops connect to themselves (loopserve).
	ap netip.AddrPort
}

// clientPool holds the nodeClients of all snapshots. Control plane only.
type clientPool struct {
	mu      sync.Mutex
	clients map[clientKey]*nodeClient
}

func newClientPool() *clientPool {
	return &clientPool{clients: make(map[clientKey]*nodeClient)}
}

// get returns the client for key, creating it on first use. sniByHost
// makes the client keep one pool per TLS server name taken from the Host
// each request sends.
func (p *clientPool) get(key clientKey, tlsConf *tls.Config, sniByHost bool) *nodeClient {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c
	}
	idle := new(atomic.Int64)
	c := &nodeClient{
		addr:        key.addr,
		idleMax:     key.size,
		idle:        idle,
		maxRequests: key.requests,
		idleTimeout: key.idleTimeout,
		hc:          newHostClient(key, tlsConf, idle),
	}
	if sniByHost {
		c.byName = &namedPools{key: key, base: tlsConf, idle: idle}
		c.byName.m.Store(&map[string]*fasthttp.HostClient{})
	}
	c.ap, _ = netip.ParseAddrPort(key.addr)
	p.clients[key] = c
	return c
}

// newHostClient returns the pool of one node: Jetway's dialer, no client
// retries, no header or path rewriting.
func newHostClient(key clientKey, tlsConf *tls.Config, idle *atomic.Int64) *fasthttp.HostClient {
	d := &dialer{addr: key.addr, tls: tlsConf, idle: idle}
	return &fasthttp.HostClient{
		Addr:                          key.addr,
		DialTimeout:                   d.dial,
		MaxConns:                      math.MaxInt32,
		MaxIdleConnDuration:           key.idleTimeout,
		MaxIdemponentCallAttempts:     1,
		ConnPoolStrategy:              fasthttp.LIFO,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		NoDefaultUserAgentHeader:      true,
		ReadBufferSize:                upstreamReadBufferSize,
	}
}

// reserveIdle takes one of the node's keepalive_pool.size idle slots, or
// reports that none is free.
func (c *nodeClient) reserveIdle() bool {
	if c.idle.Add(1) > int64(c.idleMax) {
		c.idle.Add(-1)
		return false
	}
	return true
}

// pool returns the connection pool for a request whose upstream Host is
// host.
func (c *nodeClient) pool(host []byte) *fasthttp.HostClient {
	if c.byName == nil || len(host) == 0 {
		return c.hc
	}
	return c.byName.get(hostName(host))
}

// hostName strips the port from a Host value.
func hostName(host []byte) []byte {
	if i := bytes.LastIndexByte(host, ':'); i >= 0 && !bytes.HasSuffix(host, []byte("]")) {
		host = host[:i]
	}
	return bytes.TrimSuffix(bytes.TrimPrefix(host, []byte("[")), []byte("]"))
}

// maxNamedPools bounds the server names pooled per node. A client can
// send any Host, so past the bound the pools start over rather than grow.
const maxNamedPools = 64

// namedPools holds one HostClient per TLS server name. Lookups read an
// immutable map through an atomic pointer; a miss copies the map under
// mu.
type namedPools struct {
	key  clientKey
	base *tls.Config
	idle *atomic.Int64
	mu   sync.Mutex
	m    atomic.Pointer[map[string]*fasthttp.HostClient]
}

func (n *namedPools) get(name []byte) *fasthttp.HostClient {
	if hc, ok := (*n.m.Load())[string(name)]; ok {
		return hc
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	old := *n.m.Load()
	if hc, ok := old[string(name)]; ok {
		return hc
	}
	next := make(map[string]*fasthttp.HostClient, len(old)+1)
	if len(old) < maxNamedPools {
		maps.Copy(next, old)
	} else {
		for _, hc := range old {
			hc.CloseIdleConnections()
		}
	}
	tc := n.base.Clone()
	tc.ServerName = string(name)
	hc := newHostClient(n.key, tc, n.idle)
	next[tc.ServerName] = hc
	n.m.Store(&next)
	return hc
}

// closeIdle closes the idle connections of every pool of c.
func (c *nodeClient) closeIdle() {
	c.hc.CloseIdleConnections()
	if c.byName != nil {
		for _, hc := range *c.byName.m.Load() {
			hc.CloseIdleConnections()
		}
	}
}

// retain closes and forgets every client not in keep. Connections in use by
// requests on older snapshots finish normally and are closed on release.
func (p *clientPool) retain(keep map[clientKey]struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, c := range p.clients {
		if _, ok := keep[k]; !ok {
			delete(p.clients, k)
			c.closeIdle()
		}
	}
}

// closeAll closes the idle connections of every client.
func (p *clientPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clients {
		c.closeIdle()
	}
}

// upstreamReadBufferSize bounds an upstream response header block.
const upstreamReadBufferSize = 16 << 10

// dialer makes the connections of one node: TCP with the connect timeout,
// then TLS when configured, wrapped in a countedConn.
type dialer struct {
	addr string
	tls  *tls.Config
	idle *atomic.Int64
}

func (d *dialer) dial(addr string, timeout time.Duration) (net.Conn, error) {
	nd := net.Dialer{Timeout: timeout}
	c, err := nd.Dial("tcp", addr)
	if err != nil {
		return nil, &connectError{err: err}
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c = rawSock(c)
	if d.tls != nil {
		tc := tls.Client(c, d.tls)
		if timeout > 0 {
			_ = tc.SetDeadline(time.Now().Add(timeout))
		}
		if err := tc.Handshake(); err != nil {
			_ = c.Close()
			return nil, &connectError{err: fmt.Errorf("tls handshake with %s: %w", addr, err)}
		}
		_ = tc.SetDeadline(time.Time{})
		c = tc
	}
	cc := &countedConn{lazyConn: lazyConn{Conn: c}, poolIdle: d.idle}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			cc.raw = raw
			cc.readyFn = cc.ready
		}
	}
	return cc, nil
}

// countedConn is an upstream connection with the number of requests it has
// carried. Its fields are only touched by the request holding it.
type countedConn struct {
	lazyConn
	requests int

	// idle is set while the connection waits in its pool, whose count of
	// idle connections is poolIdle. Whoever clears it (the next request,
	// or Close by fasthttp's idle cleaner) gives the slot back.
	idle     atomic.Bool
	poolIdle *atomic.Int64

	// raw is the socket of a plain TCP connection (nil under TLS), used
	// by sendThenWait.
	raw     syscall.RawConn
	readyFn func(uintptr) bool
	send    func() error
	sent    bool
	sendErr error
}

// Close closes the connection, giving back its idle slot if it had one.
func (c *countedConn) Close() error {
	c.leaveIdle()
	return c.Conn.Close()
}

// leaveIdle clears the idle mark and gives back the pool slot it held.
func (c *countedConn) leaveIdle() {
	if c.idle.Swap(false) && c.poolIdle != nil {
		c.poolIdle.Add(-1)
	}
}

// sendThenWait runs send, then waits until the connection is readable.
// Go's reads try the socket before waiting, and right after a request is
// sent that try finds nothing: one wasted syscall per request. Here the
// wait is armed before send runs (RawConn.Read), so an answer that comes
// at once is not missed, and the read that follows finds data. The read
// deadline must be set first; it bounds the wait.
func (c *countedConn) sendThenWait(send func() error) error {
	if c.raw == nil {
		return send()
	}
	c.send, c.sent, c.sendErr = send, false, nil
	err := c.raw.Read(c.readyFn)
	c.send = nil
	if c.sendErr != nil {
		return c.sendErr
	}
	return err
}

// ready is the RawConn.Read callback: the first call sends and asks to
// wait (unless sending failed); the call after the wake-up ends the wait.
func (c *countedConn) ready(uintptr) bool {
	if c.sent {
		return true
	}
	c.sent = true
	c.sendErr = c.send()
	return c.sendErr != nil
}

// connectError marks a failure to establish a connection: nothing was sent,
// so any request may be retried.
type connectError struct{ err error }

func (e *connectError) Error() string { return "connect: " + e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }
