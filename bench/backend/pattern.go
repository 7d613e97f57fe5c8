package main

import (
	"io"

	"github.com/valyala/fasthttp"
)

// patternByte is byte i of every pattern body.
func patternByte(i int64) byte {
	return byte(i*7 + i>>8)
}

// patternReader reads the pattern bytes from off up to end.
type patternReader struct {
	off, end int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.end-r.off)]
	for i := range p {
		p[i] = patternByte(r.off + int64(i))
	}
	r.off += int64(len(p))
	return len(p), nil
}

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
	ctx.SetBodyStream(&patternReader{end: int64(n)}, size)
}
