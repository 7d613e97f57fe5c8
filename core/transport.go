package core

import (
	"bufio"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// connOp calls a HostClient connection method (ReleaseConn, CloseConn) on a
// connection held as any: fasthttp's connection type is unexported, so its
// methods are reached through method expressions with the type inferred.
func connOp[C any](op func(*fasthttp.HostClient, C), hc *fasthttp.HostClient, cc any) {
	op(hc, cc.(C))
}

// netConn returns the net.Conn of a held connection.
func netConn(cc any) *countedConn {
	return cc.(interface{ Conn() net.Conn }).Conn().(*countedConn)
}

// roundTrip sends the upstream request to node client c and reads the
// response header into resp. On success the connection stays held by x
// (x.cc, x.br) until finish. replayable says the request may be sent
// again: a request that fails on a reused keep-alive connection before any
// response byte came back (the backend closed it while idle) is then resent
// once on a fresh connection, and never reaches the client as an error.
func (x *exchange) roundTrip(c *nodeClient, t timeouts, replayable bool, resp *fasthttp.Response) error {
	hc := c.pool(x.host)
	for fresh := false; ; fresh = true {
		cc, err := hc.AcquireConn(t.connect, false)
		if err != nil {
			return err
		}
		conn := netConn(cc)
		conn.leaveIdle()
		reused := conn.requests > 0
		x.closeSent = c.maxRequests > 0 && conn.requests+1 >= c.maxRequests
		x.prepare(x.closeSent)
		x.hc, x.wconn = hc, conn
		if !x.streamed {
			// A buffered request is sent at once: arm the read deadline
			// and wait for the answer without a wasted read.
			now := time.Now()
			if err = conn.armRead(now, t.read); err == nil {
				if err = conn.armWrite(now, t.send); err == nil {
					err = conn.sendThenWait(x.sendFn)
				}
			}
		} else if err = conn.SetWriteDeadline(deadline(t.send)); err == nil {
			x.body.upstream = conn
			x.body.sendTimeout = t.send
			if err = x.sendRequest(); err == nil {
				err = conn.SetReadDeadline(deadline(t.read))
			}
		}
		if err != nil {
			connOp((*fasthttp.HostClient).CloseConn, hc, cc)
			if x.body.clientErr != nil {
				var fe *frontDoorError
				if errors.As(x.body.clientErr, &fe) {
					return fe // the client's body broke its framing
				}
				return ErrClientGone
			}
			if reused && !fresh && replayable && isStale(err) {
				continue
			}
			return err
		}
		br := hc.AcquireReader(conn)
		err = readResponseHeader(resp, br)
		if err != nil {
			hc.ReleaseReader(br)
			connOp((*fasthttp.HostClient).CloseConn, hc, cc)
			if reused && !fresh && replayable && isStale(err) {
				continue
			}
			return err
		}
		conn.requests++
		x.client, x.hc, x.cc, x.br = c, hc, cc, br
		x.upClose = resp.Header.ConnectionClose()
		return nil
	}
}

// sendRequest writes the attempt on the connection being used (x.wconn).
func (x *exchange) sendRequest() error { return x.writeTo(x.wconn) }

// finish gives the held connection back: to the idle pool when reusable
// is true and the pool has room, else it is closed.
func (x *exchange) finish(reusable bool) {
	c, hc := x.client, x.hc
	if c == nil {
		return
	}
	hc.ReleaseReader(x.br)
	conn := netConn(x.cc)
	if !reusable || x.upClose || x.closeSent ||
		(c.maxRequests > 0 && conn.requests >= c.maxRequests) || !c.reserveIdle() {
		connOp((*fasthttp.HostClient).CloseConn, hc, x.cc)
	} else {
		conn.idle.Store(true)
		connOp((*fasthttp.HostClient).ReleaseConn, hc, x.cc)
	}
	x.client, x.hc, x.cc, x.br = nil, nil, nil, nil
}

// readResponseHeader reads the final response header, skipping interim 1xx
// answers other than 101 (RFC 9110 §15.2).
func readResponseHeader(resp *fasthttp.Response, br *bufio.Reader) error {
	for n := 0; ; n++ {
		if err := resp.Header.Read(br); err != nil {
			return err
		}
		if sc := resp.StatusCode(); sc < 100 || sc > 199 || sc == fasthttp.StatusSwitchingProtocols {
			return nil
		}
		if n == maxInterimResponses {
			return errTooManyInterim
		}
	}
}

// maxInterimResponses bounds the 1xx answers read before the final one.
const maxInterimResponses = 16

var errTooManyInterim = errors.New("jetway: too many interim 1xx responses from upstream")

// isStale reports whether err is what a keep-alive connection closed by
// the peer while idle produces: EOF or a reset before any response byte.
func isStale(err error) bool {
	return errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, fasthttp.ErrConnectionClosed)
}

// deadline returns the absolute deadline for a timeout; zero means none.
func deadline(d time.Duration) time.Time { return deadlineAfter(time.Now(), d) }

// deadlineAfter is now+d, or no deadline for d <= 0.
func deadlineAfter(now time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(d)
}
