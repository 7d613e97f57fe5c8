package main

import (
	"time"

	"github.com/valyala/fasthttp"
)

// peerPoll is how often /sleep checks whether its client is still there.
const peerPoll = 10 * time.Millisecond

// sleep answers /sleep?ms=N with 200 after N milliseconds. It stops early,
// counting an abort, when the client closes or resets the connection, and
// answers 503 when the server shuts down.
func (b *backend) sleep(ctx *fasthttp.RequestCtx) {
	ms, err := ctx.QueryArgs().GetUint("ms")
	if err != nil {
		ctx.Error("ms must be a count of milliseconds", fasthttp.StatusBadRequest)
		return
	}
	done := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer done.Stop()
	poll := time.NewTicker(peerPoll)
	defer poll.Stop()
	for {
		select {
		case <-done.C:
			ctx.Response.SetBodyRaw(b.body)
			return
		case <-ctx.Done():
			ctx.Error("shutting down", fasthttp.StatusServiceUnavailable)
			return
		case <-poll.C:
			if peerGone(ctx.Conn()) {
				b.sleepAborted.Add(1)
				ctx.SetConnectionClose()
				return
			}
		}
	}
}
