package main

import (
	"bufio"
	"github.com/jetwayhq/jetway/bench/wire"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

const (
	// cutChunk is the largest chunk /cut?chunked=1 sends.
	cutChunk = 4 << 10
	// hangLimit is how long /hang holds a connection at most.
	hangLimit = 60 * time.Second
)

// cut answers /cut?n=N&at=K: a response head promising N bytes (or a
// chunked body), then K pattern bytes, then the connection closes.
func (b *backend) cut(ctx *fasthttp.RequestCtx) {
	args := ctx.QueryArgs()
	chunked := args.GetBool("chunked")
	at, errAt := args.GetUint("at")
	n, errN := args.GetUint("n")
	switch {
	case errAt != nil:
		ctx.Error("at must be a byte count", fasthttp.StatusBadRequest)
		return
	case !chunked && (errN != nil || at >= n):
		ctx.Error("n must be a byte count larger than at", fasthttp.StatusBadRequest)
		return
	}
	head := "HTTP/1.1 200 OK\r\nX-Backend: " + string(b.name) + "\r\nContent-Type: application/octet-stream\r\n"
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += "Content-Length: " + strconv.Itoa(n) + "\r\n\r\n"
	}
	b.hijack(ctx, func(c net.Conn) {
		w := bufio.NewWriter(c)
		w.WriteString(head)
		body := io.Reader(wire.PatternReader(int64(at)))
		if chunked {
			buf := make([]byte, cutChunk)
			for {
				m, _ := body.Read(buf)
				if m == 0 {
					break
				}
				w.WriteString(strconv.FormatInt(int64(m), 16) + "\r\n")
				w.Write(buf[:m])
				w.WriteString("\r\n")
			}
		} else {
			w.ReadFrom(body)
		}
		if w.Flush() == nil {
			closeGracefully(c)
		}
	})
}

// close answers /close by closing the connection without a response.
func (b *backend) close(ctx *fasthttp.RequestCtx) {
	b.hijack(ctx, closeGracefully)
}

// hang answers /hang by never answering: it reads and discards until the
// client closes or hangLimit passes.
func (b *backend) hang(ctx *fasthttp.RequestCtx) {
	b.hijack(ctx, func(c net.Conn) {
		_ = c.SetReadDeadline(time.Now().Add(hangLimit))
		_, _ = io.Copy(io.Discard, c)
	})
}
