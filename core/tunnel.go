package core

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/upstream"
)

// tunnelBufferSize is the copy buffer of each tunnel direction.
const tunnelBufferSize = 32 << 10

// maxUpgradeRefusalBody bounds the body of a non-101 answer to an upgrade
// request, which Jetway reads whole.
const maxUpgradeRefusalBody = 1 << 20

// tunnel serves an Upgrade request (WebSocket or any other protocol) on a
// route with enable_websocket: the request goes to a node on a connection
// of its own; on 101 Switching Protocols both connections are spliced
// until either side closes or stays idle longer than the read timeout
// (nginx proxy_read_timeout semantics). Any other answer is relayed as a
// normal response. Only connect failures are retried.
func (g *Gateway) tunnel(ctx *fasthttp.RequestCtx, rt *routeRT, remote netip.Addr) {
	x := acquireExchange()
	defer x.release()
	lg := rt.legFor(ctx, remote, &x.scratch)
	up := lg.up
	x.head, x.scratch = appendRequestHead(x.head[:0], x.scratch, ctx, remote, true)
	x.attachBody(ctx, 0)
	x.setHash(ctx, up, remote)

	var conn net.Conn
	var at attempt
	var lastErr error
	for try := 0; ; try++ {
		a, ok := x.next(ctx, up)
		if !ok {
			if lastErr == nil {
				lastErr = ErrNoHealthyNode
			}
			break
		}
		at = a
		nc := up.clients[at.i]
		c, err := nc.pool(x.host).DialTimeout(nc.addr, lg.timeouts.connect)
		if err == nil {
			conn = c
			break
		}
		_, o := classify(err)
		at.end(o, 0, err)
		lastErr = err
		g.log.Warn("upstream attempt failed", "route", rt.id, "node", at.addr(), "attempt", try+1, "err", err)
		if try >= up.retries {
			break
		}
	}
	if conn == nil {
		status, _ := classify(lastErr)
		writeError(ctx, status)
		return
	}

	br, err := x.upgradeHandshake(conn, lg.timeouts)
	if err != nil {
		_ = conn.Close()
		status, o := classify(err)
		at.end(o, 0, err)
		g.log.Warn("upgrade handshake failed", "route", rt.id, "node", at.addr(), "err", err)
		writeError(ctx, status)
		return
	}
	resp := &x.resp
	if resp.StatusCode() != fasthttp.StatusSwitchingProtocols {
		_ = conn.Close()
		at.end(upstream.Success, resp.StatusCode(), nil)
		resp.Header.CopyTo(&ctx.Response.Header)
		x.scratch = stripResponseHopHeaders(&ctx.Response.Header, false, x.scratch)
		ctx.Response.SetBody(resp.Body())
		return
	}
	resp.Header.CopyTo(&ctx.Response.Header)
	x.scratch = stripResponseHopHeaders(&ctx.Response.Header, true, x.scratch)
	if fc, ok := ctx.Conn().(*frontConn); ok {
		// What the client sends from now on is the new protocol's.
		fc.beOpaque()
	}
	idle := lg.timeouts.read
	routeID := rt.id
	ctx.Hijack(func(client net.Conn) {
		err := splice(client, conn, br, idle)
		_ = conn.Close()
		at.end(upstream.Success, fasthttp.StatusSwitchingProtocols, nil)
		if err != nil {
			g.log.Debug("tunnel closed", "route", routeID, "node", at.addr(), "err", err)
		}
	})
}

// upgradeHandshake writes the upgrade request on conn and reads the answer
// header (and, for a refusal, its body). It returns the reader holding any
// bytes the node sent after the 101 header.
func (x *exchange) upgradeHandshake(conn net.Conn, t timeouts) (*bufio.Reader, error) {
	_ = conn.SetWriteDeadline(deadline(t.send))
	x.prepare(false)
	if err := x.writeTo(conn); err != nil {
		return nil, err
	}
	_ = conn.SetWriteDeadline(time.Time{})
	_ = conn.SetReadDeadline(deadline(t.read))
	br := bufio.NewReaderSize(conn, tunnelBufferSize)
	if err := readResponseHeader(&x.resp, br); err != nil {
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Time{})
	if x.resp.StatusCode() == fasthttp.StatusSwitchingProtocols || noBodyStatus(x.resp.StatusCode()) {
		return br, nil
	}
	return br, x.resp.ReadBody(br, maxUpgradeRefusalBody)
}

// splice copies bytes both ways between client and node until one side
// ends, then half-closes the other direction and waits for it. A direction
// idle for longer than idle ends the tunnel.
func splice(client, node net.Conn, nodeBuf *bufio.Reader, idle time.Duration) error {
	var wg sync.WaitGroup
	var upErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		upErr = pump(node, client, client, idle)
		closeWrite(node)
	}()
	downErr := pump(client, nodeBuf, node, idle)
	closeWrite(client)
	wg.Wait()
	return errors.Join(downErr, upErr)
}

// pump copies src to dst until EOF, refreshing the read deadline of
// srcConn before each read.
func pump(dst io.Writer, src io.Reader, srcConn net.Conn, idle time.Duration) error {
	buf := make([]byte, tunnelBufferSize)
	for {
		if idle > 0 {
			_ = srcConn.SetReadDeadline(time.Now().Add(idle))
		}
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// closeWrite half-closes c where the connection supports it, else closes
// it.
func closeWrite(c net.Conn) {
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := c.(closeWriter); ok {
		_ = cw.CloseWrite()
		return
	}
	if cc, ok := c.(*countedConn); ok {
		closeWrite(cc.Conn)
		return
	}
	_ = c.Close()
}
