package main

import (
	"encoding/json"
	"github.com/jetwayhq/jetway/bench/wire"
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// readBufferSize bounds the request line plus headers the backend accepts.
const readBufferSize = 16 << 10

var headerBackend = []byte("X-Backend")

// backend is one server's handlers and counters. Counters are atomics,
// updated from every connection's goroutine.
type backend struct {
	name []byte // the -name value
	body []byte // name + "\n"

	requests     atomic.Int64 // requests handled
	accepted     atomic.Int64 // connections accepted
	open         atomic.Int64 // connections accepted and not yet closed
	sleepAborted atomic.Int64 // /sleep requests whose client left first
}

func newBackend(name string) *backend {
	return &backend{
		name: []byte(name),
		body: []byte(name + "\n"),
	}
}

// server returns the fasthttp server for b. Header names are kept as the
// client sent them, and request bodies reach handlers as streams.
func (b *backend) server(idleTimeout time.Duration) *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                       b.handle,
		Name:                          "jetway-backend",
		IdleTimeout:                   idleTimeout,
		ReadBufferSize:                readBufferSize,
		DisableHeaderNamesNormalizing: true,
		StreamRequestBody:             true,
		DisablePreParseMultipartForm:  true,
		CloseOnShutdown:               true,
		ConnState:                     b.connState,
	}
}

func (b *backend) connState(_ net.Conn, s fasthttp.ConnState) {
	switch s {
	case fasthttp.StateNew:
		b.accepted.Add(1)
		b.open.Add(1)
	case fasthttp.StateClosed:
		b.open.Add(-1)
	}
	// A hijacked connection leaves the open count when its handler ends;
	// see hijack.
}

func (b *backend) handle(ctx *fasthttp.RequestCtx) {
	b.requests.Add(1)
	ctx.Response.Header.SetCanonical(headerBackend, b.name)
	switch string(ctx.Path()) {
	case "/headers":
		b.echo(ctx)
	case "/bytes":
		b.bytes(ctx)
	case "/cut":
		b.cut(ctx)
	case "/upload":
		b.upload(ctx)
	case "/sleep":
		b.sleep(ctx)
	case "/status":
		b.status(ctx)
	case "/hang":
		b.hang(ctx)
	case "/close":
		b.close(ctx)
	case "/ws":
		b.websocket(ctx)
	case "/count":
		b.count(ctx)
	default:
		ctx.Response.SetBodyRaw(b.body)
	}
}

func (b *backend) status(ctx *fasthttp.RequestCtx) {
	code, err := ctx.QueryArgs().GetUint("code")
	if err != nil || code < 200 || code > 599 {
		ctx.Error("code must be 200..599", fasthttp.StatusBadRequest)
		return
	}
	ctx.SetStatusCode(code)
}

func (b *backend) count(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, wire.Counts{
		Requests:     b.requests.Load(),
		Connections:  b.accepted.Load(),
		Open:         b.open.Load(),
		SleepAborted: b.sleepAborted.Load(),
	})
}

func writeJSON(ctx *fasthttp.RequestCtx, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(append(body, '\n'))
}
