package core

import (
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"sync"
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
	// dial makes a new connection outside the pool (tunnels use it).
	dial func(addr string, timeout time.Duration) (net.Conn, error)
	// idleMax is keepalive_pool.size: idle connections kept.
	idleMax int
	// maxRequests is keepalive_pool.requests: requests per connection.
	maxRequests int
}

// clientPool holds the nodeClients of all snapshots. Control plane only.
type clientPool struct {
	mu      sync.Mutex
	clients map[clientKey]*nodeClient
}

func newClientPool() *clientPool {
	return &clientPool{clients: make(map[clientKey]*nodeClient)}
}

// get returns the client for key, creating it on first use.
func (p *clientPool) get(key clientKey, tlsConf *tls.Config) *nodeClient {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c
	}
	d := &dialer{addr: key.addr, tls: tlsConf}
	c := &nodeClient{
		addr:        key.addr,
		dial:        d.dial,
		idleMax:     key.size,
		maxRequests: key.requests,
		hc: &fasthttp.HostClient{
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
		},
	}
	p.clients[key] = c
	return c
}

// retain closes and forgets every client not in keep. Connections in use by
// requests on older snapshots finish normally and are closed on release.
func (p *clientPool) retain(keep map[clientKey]struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, c := range p.clients {
		if _, ok := keep[k]; !ok {
			delete(p.clients, k)
			c.hc.CloseIdleConnections()
		}
	}
}

// closeAll closes the idle connections of every client.
func (p *clientPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clients {
		c.hc.CloseIdleConnections()
	}
}

// upstreamReadBufferSize bounds an upstream response header block.
const upstreamReadBufferSize = 16 << 10

// dialer makes the connections of one node: TCP with the connect timeout,
// then TLS when configured, wrapped in a countedConn.
type dialer struct {
	addr string
	tls  *tls.Config
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
	return &countedConn{Conn: c}, nil
}

// countedConn is an upstream connection with the number of requests it has
// carried. The count is only touched by the request holding the connection.
type countedConn struct {
	net.Conn
	requests int
}

// connectError marks a failure to establish a connection: nothing was sent,
// so any request may be retried.
type connectError struct{ err error }

func (e *connectError) Error() string { return "connect: " + e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }
