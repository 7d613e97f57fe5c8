package core

import (
	"io"
	"math/bits"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/upstream"
)

// clientBody streams a request body from the client to the upstream. It
// refreshes both sides' deadlines per read, so a long upload is bounded by
// the idle time between reads, not by its total length, and it remembers a
// client-side failure so that it is not counted against the node.
type clientBody struct {
	src         io.Reader
	client      net.Conn
	clientIdle  time.Duration
	upstream    net.Conn
	sendTimeout time.Duration
	started     bool
	clientErr   error
}

// Read implements io.Reader. It has no Close, so fasthttp leaves the
// server's own request stream alone after writing the upstream request.
func (b *clientBody) Read(p []byte) (int, error) {
	b.started = true
	if b.clientIdle > 0 {
		_ = b.client.SetReadDeadline(time.Now().Add(b.clientIdle))
	}
	n, err := b.src.Read(p)
	if err != nil && err != io.EOF {
		b.clientErr = err
	}
	if n > 0 && b.sendTimeout > 0 && b.upstream != nil {
		_ = b.upstream.SetWriteDeadline(time.Now().Add(b.sendTimeout))
	}
	return n, err
}

// streamBufferSize is the copy buffer of a streamed request body.
const streamBufferSize = 32 << 10

// chunkHeadRoom is the room kept before each chunk of a chunked copy for
// its size line: up to 8 hex digits and CRLF.
const chunkHeadRoom = 10

var streamBuffers = sync.Pool{New: func() any {
	b := make([]byte, streamBufferSize)
	return &b
}}

// copyTo sends the body to w: exactly n bytes, or when n < 0 in the
// chunked transfer coding (RFC 9112 §7.1), without trailers. A client
// that ends the body early is a client error (clientErr); each chunk goes
// out in one write.
func (b *clientBody) copyTo(w io.Writer, n int64) error {
	bp := streamBuffers.Get().(*[]byte)
	defer streamBuffers.Put(bp)
	buf := *bp
	if n < 0 {
		for {
			m, err := b.Read(buf[chunkHeadRoom : len(buf)-2])
			if m > 0 {
				start := chunkHeadRoom - 2 - (bits.Len64(uint64(m))+3)/4
				strconv.AppendUint(buf[start:start], uint64(m), 16)
				buf[chunkHeadRoom-2], buf[chunkHeadRoom-1] = '\r', '\n'
				end := chunkHeadRoom + m
				buf[end], buf[end+1] = '\r', '\n'
				if _, werr := w.Write(buf[start : end+2]); werr != nil {
					return werr
				}
			}
			if err == io.EOF {
				_, werr := w.Write(lastChunk)
				return werr
			}
			if err != nil {
				return err
			}
		}
	}
	for n > 0 {
		m, err := b.Read(buf[:min(int64(len(buf)), n)])
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return werr
			}
			n -= int64(m)
		}
		if n > 0 && err == io.EOF {
			err = io.ErrUnexpectedEOF
			b.clientErr = err
		}
		if err != nil && n > 0 {
			return err
		}
	}
	return nil
}

// lastChunk ends a chunked body: the zero-size chunk and the empty
// trailer section.
var lastChunk = []byte("0\r\n\r\n")

// upstreamBody streams an upstream response body to the client. fasthttp
// calls CloseWithError once the body is written or abandoned; that ends the
// exchange: the connection goes back to the pool only when the body was
// read to its end, and the node gets its outcome.
type upstreamBody struct {
	x           *exchange
	ctx         *fasthttp.RequestCtx
	at          attempt
	routeID     string
	readTimeout time.Duration
	eof         bool
	upErr       error
	g           *Gateway
}

func (s *upstreamBody) reset() {
	*s = upstreamBody{x: s.x}
}

// Read implements io.Reader over the upstream body. A body cut short by
// the upstream returns an error, so the client sees it cut short too.
func (s *upstreamBody) Read(p []byte) (int, error) {
	if s.readTimeout > 0 {
		_ = netConn(s.x.cc).SetReadDeadline(time.Now().Add(s.readTimeout))
	}
	_ = s.ctx.Conn().SetWriteDeadline(time.Now().Add(clientSendTimeout))
	n, err := s.x.resp.BodyStream().Read(p)
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil:
		s.upErr = err
	}
	return n, err
}

// CloseWithError implements fasthttp.ReadCloserWithError. werr is the
// error that stopped the write to the client, if any.
func (s *upstreamBody) CloseWithError(werr error) error {
	x := s.x
	_ = x.resp.CloseBodyStream()
	x.finish(s.eof && s.upErr == nil && werr == nil)
	switch {
	case s.upErr != nil:
		_, o := classify(s.upErr)
		s.at.end(o, 0, s.upErr)
		s.g.log.Warn("upstream body cut short", "route", s.routeID, "node", s.at.addr(), "err", s.upErr)
	case werr != nil && !s.eof:
		s.at.end(upstream.ClientGone, 0, nil)
		s.g.log.Info("client closed the connection", "status", StatusClientClosedRequest, "route", s.routeID, "node", s.at.addr(), "err", werr)
	default:
		s.at.end(upstream.Success, x.resp.StatusCode(), nil)
	}
	x.release()
	return nil
}
