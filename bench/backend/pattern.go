package main

import (
	"github.com/jetwayhq/jetway/bench/wire"

	"github.com/valyala/fasthttp"
)

// bytes answers /bytes?n=N[&chunked=1] with N pattern bytes, generated as
// they are written.
func (b *backend) bytes(ctx *fasthttp.RequestCtx) {
	args := ctx.QueryArgs()
	n, err := args.GetUint("n")
	if err != nil {
		ctx.Error("n must be a byte count", fasthttp.StatusBadRequest)
		return
	}
	size := n
	if args.GetBool("chunked") {
		size = -1
	}
	ctx.SetContentType("application/octet-stream")
	ctx.SetBodyStream(wire.PatternReader(int64(n)), size)
}
