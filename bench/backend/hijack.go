package main

import (
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// drainTimeout bounds how long a graceful close waits for the client to
// close its side.
const drainTimeout = time.Second

// hijack takes the connection over from fasthttp without sending a
// response; fn writes whatever goes on the wire and fasthttp closes the
// connection when fn returns.
func (b *backend) hijack(ctx *fasthttp.RequestCtx, fn func(c net.Conn)) {
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		defer b.open.Add(-1)
		fn(c)
	})
}

// closeGracefully sends FIN (or TLS close_notify) and waits for the client's
// side to close, so unread request bytes do not turn the close into a RST
// that could destroy data still in flight to the client.
func closeGracefully(c net.Conn) {
	if u, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
		if cw, ok := u.UnsafeConn().(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(drainTimeout))
	_, _ = io.Copy(io.Discard, c)
}
