package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/valyala/fasthttp"
)

// uploadReply is the /upload answer.
type uploadReply struct {
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

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
	writeJSON(ctx, uploadReply{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
}
