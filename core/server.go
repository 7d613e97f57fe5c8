package core

import (
	"time"

	"github.com/valyala/fasthttp"
)

// Server-side defaults that config does not (yet) expose.
const (
	// bufferedBodyMax is the largest request or response body Jetway reads
	// whole before forwarding; larger ones stream. A buffered request body
	// can be replayed on retry; a streamed one cannot.
	bufferedBodyMax = 64 << 10
	// clientSendTimeout bounds each write of a streamed response to a
	// client that stopped reading (nginx send_timeout).
	clientSendTimeout = 60 * time.Second
)

// newServer returns the fasthttp server for one listener of s.
func (g *Gateway) newServer(s *Snapshot) *fasthttp.Server {
	srv := &fasthttp.Server{
		Handler:               g.serveHTTP,
		Name:                  "jetway",
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		// Every response carries Jetway's Date, in place of the node's,
		// as nginx does; RFC 9110 §6.6.1 has a proxy add one when the
		// node sent none.
		NoDefaultDate: false,
		// The handler never asks for the request's time, so fasthttp
		// need not read the clock for it.
		LazyRequestTime:              true,
		DisablePreParseMultipartForm: true,
		StreamRequestBody:            true,
		MaxRequestBodySize:           bufferedBodyMax,
		ReadTimeout:                  s.readHeaderTimeout,
		IdleTimeout:                  s.idleTimeout,
		CloseOnShutdown:              true,
		KeepHijackedConns:            true,
		ReduceMemoryUsage:            false,
		Logger:                       fasthttpLogger{g.log},
	}
	frontDoorServer(srv, s.limits)
	return srv
}
