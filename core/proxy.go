package core

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/lb"
	"github.com/jetwayhq/jetway/upstream"
)

// serveHTTP is the request path: one snapshot load, the front-door checks,
// a route match, then the proxied exchange.
func (g *Gateway) serveHTTP(ctx *fasthttp.RequestCtx) {
	s := g.snap.Load()
	if !frontDoorCheck(ctx) {
		return
	}
	if ctx.IsConnect() {
		// Jetway is a reverse proxy: it does not open CONNECT tunnels.
		writeMethodNotAllowed(ctx)
		return
	}
	remote := remoteAddr(ctx)
	i, ok := s.router.match(ctx.Method(), ctx.Host(), ctx.Path(), remote, ctx)
	if !ok {
		status, _ := classify(ErrNoRoute)
		writeError(ctx, status)
		return
	}
	rt := s.routes[i]
	if rt.websocket && isUpgrade(ctx) {
		g.tunnel(ctx, rt, remote)
		return
	}
	g.proxy(ctx, s, rt, remote)
}

// remoteAddr is the client's TCP peer address, as frontConn noted it at
// accept time.
func remoteAddr(ctx *fasthttp.RequestCtx) netip.Addr {
	if fc, ok := ctx.Conn().(*frontConn); ok {
		return fc.peer
	}
	return peerAddr(ctx.RemoteAddr())
}

// peerAddr is the IP address of a TCP peer a, unmapped; 0.0.0.0 for any
// other kind of address, as fasthttp's RemoteIP has it.
func peerAddr(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.IPv4Unspecified()
}

// proxy sends the request to the route's upstream, retrying on other nodes
// where that is safe, and relays the answer.
func (g *Gateway) proxy(ctx *fasthttp.RequestCtx, s *Snapshot, rt *routeRT, remote netip.Addr) {
	x := acquireExchange()
	lg := rt.legFor(ctx, remote, &x.scratch)
	up := lg.up
	var began time.Time
	if lg.ramp != nil {
		began = time.Now()
	}
	x.head, x.scratch = appendRequestHead(x.head[:0], x.scratch, ctx, remote, false)
	streamed := x.attachBody(ctx, s.clientIdle)
	if rt.mirror != nil {
		rt.mirror.offer(x)
	}
	replayable := !streamed && isIdempotent(ctx.Method())

	x.setHash(ctx, up, remote)
	var start time.Time
	if up.retryTimeout > 0 {
		start = time.Now()
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		at, ok := x.next(ctx, up)
		if !ok {
			if lastErr == nil {
				lastErr = ErrNoHealthyNode
			}
			break
		}
		var sent time.Time
		if up.observeLatency {
			sent = time.Now()
		}
		err := x.roundTrip(up.clients[at.i], lg.timeouts, replayable, &ctx.Response)
		if err == nil {
			if up.observeLatency {
				at.node().ObserveLatency(time.Since(sent))
			}
			if lg.ramp != nil {
				lg.observe(ctx.Response.StatusCode() >= 500, began)
			}
			g.relay(ctx, x, rt, at, lg.timeouts.read)
			return
		}
		status, o := classify(err)
		at.end(o, 0, err)
		lastErr = err
		if o == upstream.ClientGone {
			break
		}
		g.log.Warn("upstream attempt failed", "route", rt.id, "node", at.addr(), "status", status, "attempt", attempt+1, "err", err)
		// A failed connect sent nothing, so any request may go elsewhere
		// (unless a streamed body was already being read); otherwise only
		// a replayable request may.
		if notSent := isConnectError(err); (!notSent && !replayable) || (notSent && x.body.started) {
			break
		}
		if attempt >= up.retries || (up.retryTimeout > 0 && time.Since(start) >= up.retryTimeout) {
			break
		}
	}
	if fe := (*frontDoorError)(nil); errors.As(lastErr, &fe) {
		g.log.Info("malformed request body", "route", rt.id, "err", fe)
		frontDoorRefuse(ctx, fe.fault)
		x.release()
		return
	}
	status, _ := classify(lastErr)
	if status == StatusClientClosedRequest {
		g.log.Info("client closed the connection", "status", status, "route", rt.id)
	} else if lg.ramp != nil {
		lg.observe(true, began)
	}
	writeError(ctx, status)
	x.release()
}

// attachBody gives the upstream request the client's body: buffered when
// it is small and complete (so it can be replayed), else streamed. It
// reports whether the body streams.
func (x *exchange) attachBody(ctx *fasthttp.RequestCtx, clientIdle time.Duration) bool {
	x.method = ctx.Method()
	cl := ctx.Request.Header.ContentLength()
	switch {
	case cl == 0 || cl == -2:
		return false
	case cl > 0 && cl <= bufferedBodyMax:
		x.bodyRaw = ctx.Request.Body()
		return false
	}
	x.body = clientBody{src: ctx.RequestBodyStream(), client: ctx.Conn(), clientIdle: clientIdle}
	x.streamed, x.bodyLen = true, int64(cl)
	return true
}

// next picks a node not yet tried by this request, marks it tried and in
// flight, and sets the Host header for it. Health is ignored while the
// upstream is in panic; slow start needs the time. No other clock is read
// here: a balancer that needs one (chash over a large group) reads it.
func (x *exchange) next(ctx *fasthttp.RequestCtx, up *upstreamRT) (attempt, bool) {
	info := lb.PickInfo{
		Tried: &x.tried, Hash: x.hash, HasHash: x.hasHash, Panic: up.group.Panic(),
	}
	if up.slowStart {
		info.Now = up.clock.Now().UnixNano()
	}
	i, ok := up.balancer.Pick(info)
	if !ok {
		return attempt{}, false
	}
	x.tried.Add(i)
	x.setHost(ctx, up, i)
	up.targets[i].Node.Begin()
	return attempt{up: up, i: i}, true
}

// setHash computes the request's chash key for up; a request without the
// key falls back to its client address (APISIX).
func (x *exchange) setHash(ctx *fasthttp.RequestCtx, up *upstreamRT, remote netip.Addr) {
	if up.hash == nil {
		return
	}
	var key []byte
	key, x.scratch = up.hash.key(ctx, remote, x.scratch)
	if len(key) == 0 {
		x.scratch = remote.AppendTo(x.scratch[:0])
		key = x.scratch
	}
	x.hash, x.hasHash = lb.HashKey(key), true
}

// setHost sets the upstream Host header for target i (pass_host). A client
// that sent no Host (HTTP/1.0) gets the node's.
func (x *exchange) setHost(ctx *fasthttp.RequestCtx, up *upstreamRT, i int) {
	x.host = up.hostFor(i, ctx.Host())
}

// hostFor is the Host sent to target i for a request whose host is host.
func (up *upstreamRT) hostFor(i int, host []byte) []byte {
	switch {
	case up.passHost == passHostRewrite:
		return up.upstreamHost
	case up.passHost == passHostNode || len(host) == 0:
		return up.nodeHost[i]
	}
	return host
}

// relay sends the upstream answer, whose head roundTrip read straight
// into the client's response, on to the client: small bodies are read whole
// into it and the connection released at once; others stream, and the
// exchange ends when fasthttp closes the stream.
func (g *Gateway) relay(ctx *fasthttp.RequestCtx, x *exchange, rt *routeRT, at attempt, readTimeout time.Duration) {
	resp := &ctx.Response
	cl := resp.Header.ContentLength()
	noBody := ctx.IsHead() || noBodyStatus(resp.StatusCode())
	if noBody || (cl >= 0 && cl <= bufferedBodyMax) {
		var err error
		if !noBody {
			err = resp.ReadBody(x.br, 0)
		}
		x.finish(err == nil)
		if err != nil {
			status, o := classify(err)
			at.end(o, 0, err)
			g.log.Warn("reading upstream body", "route", rt.id, "node", at.addr(), "err", err)
			writeError(ctx, status)
			x.release()
			return
		}
		at.end(upstream.Success, resp.StatusCode(), nil)
		x.scratch = stripResponseHopHeaders(&resp.Header, false, x.scratch)
		if noBody {
			resp.SkipBody = true
			resp.Header.SetContentLength(cl)
		}
		x.release()
		return
	}
	// The body streams through x.resp, which reads it from the node.
	resp.Header.CopyTo(&x.resp.Header)
	x.resp.StreamBody = true
	if err := x.resp.ReadBody(x.br, 0); err != nil {
		x.finish(false)
		status, o := classify(err)
		at.end(o, 0, err)
		writeError(ctx, status)
		x.release()
		return
	}
	x.scratch = stripResponseHopHeaders(&resp.Header, false, x.scratch)
	st := &x.stream
	st.ctx, st.at, st.routeID, st.readTimeout, st.g = ctx, at, rt.id, readTimeout, g
	if cl < 0 {
		cl = -1
	}
	resp.SetBodyStream(st, cl)
}

// noBodyStatus reports statuses that never carry a body (RFC 9110 §6.4.1).
func noBodyStatus(sc int) bool {
	return (sc >= 100 && sc < 200) || sc == fasthttp.StatusNoContent || sc == fasthttp.StatusNotModified
}
