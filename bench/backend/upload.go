package main

import (
	"crypto/sha256"
	"encoding/hex"
	"github.com/jetwayhq/jetway/bench/wire"
	"io"

	"github.com/valyala/fasthttp"
)

// upload hashes the request body as it streams in; at most one read buffer
// of it is in memory at a time.
func (b *backend) upload(ctx *fasthttp.RequestCtx) {
	h := sha256.New()
	var n int64
	if body := ctx.RequestBodyStream(); body != nil {
		var err error
		n, err = io.Copy(h, body)
		if err != nil {
			ctx.Error("reading body: "+err.Error(), fasthttp.StatusBadRequest)
			ctx.SetConnectionClose()
			return
		}
	}
	writeJSON(ctx, wire.Upload{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
}
