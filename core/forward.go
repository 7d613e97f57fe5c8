package core

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"

	"github.com/valyala/fasthttp"
)

// hopHeaders are the hop-by-hop headers of RFC 9110 §7.6.1, plus the
// de-facto Proxy-Connection and Keep-Alive, and Expect (Jetway answers
// 100-continue itself). TE is handled apart: only "trailers" passes.
var hopHeaders = [...]string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
	"Proxy-Authenticate", "Trailer", "Transfer-Encoding", "Upgrade", "Expect",
}

// Forwarding headers Jetway sets on every upstream request.
const (
	hdrXFF       = "X-Forwarded-For"
	hdrXFProto   = "X-Forwarded-Proto"
	hdrXFHost    = "X-Forwarded-Host"
	hdrXFPort    = "X-Forwarded-Port"
	hdrXRealIP   = "X-Real-Ip"
	hdrTE        = "Te"
	hdrUpgrade   = "Upgrade"
	hdrConnectio = "Connection"
)

var (
	strTrailers = []byte("trailers")
	strUpgrade  = []byte("upgrade")
	strHTTP     = []byte("http")
	strHTTPS    = []byte("https")
	strHTTP11   = []byte("HTTP/1.1")
)

// buildRequest writes the upstream request for ctx into dst: the client's
// method, target and end-to-end headers, minus hop-by-hop ones, plus the
// forwarding headers. keepUpgrade keeps Upgrade for a tunnel. The body and
// the Host header are set by the caller.
func buildRequest(dst *fasthttp.Request, ctx *fasthttp.RequestCtx, remote netip.Addr, scratch []byte, keepUpgrade bool) []byte {
	src := &ctx.Request.Header
	dh := &dst.Header
	// Header names are canonical since parsing, so lookups with the
	// canonical constants below need not normalize them again. The server
	// resets the flag before it parses the next request; CopyTo carries it
	// to dh.
	src.DisableNormalizing()
	src.CopyTo(dh)

	for _, v := range src.PeekAll(hdrConnectio) {
		for len(v) > 0 {
			var t []byte
			t, v = nextToken(v)
			if len(t) > 0 && !(keepUpgrade && bytes.EqualFold(t, strUpgrade)) {
				scratch = appendCanonical(scratch[:0], t)
				dh.DelBytes(scratch)
			}
		}
	}
	for _, h := range hopHeaders {
		if keepUpgrade && h == hdrUpgrade {
			continue
		}
		dh.Del(h)
	}
	// Upstream requests are HTTP/1.1 whatever the client spoke, so the
	// upstream connection stays reusable (nginx proxy_http_version 1.1).
	if !dh.IsHTTP11() {
		dh.SetProtocolBytes(strHTTP11)
	}
	dh.ResetConnectionClose()
	if keepUpgrade {
		dh.Set(hdrConnectio, "Upgrade")
	}
	if te := src.Peek(hdrTE); hasToken(te, strTrailers) {
		dh.Set(hdrTE, "trailers")
	} else {
		dh.Del(hdrTE)
	}
	if uri := src.RequestURI(); len(uri) > 0 && uri[0] != '/' && !(len(uri) == 1 && uri[0] == '*') {
		// absolute-form (RFC 9112 §3.2.2): send origin-form upstream.
		dh.SetRequestURIBytes(ctx.URI().RequestURI())
	}

	buf := remote.AppendTo(scratch[:0])
	dh.SetBytesV(hdrXRealIP, buf)
	if prior := src.Peek(hdrXFF); len(prior) > 0 {
		buf = append(buf[:0], prior...)
		buf = append(buf, ", "...)
		buf = remote.AppendTo(buf)
	}
	dh.SetBytesV(hdrXFF, buf)
	if ctx.IsTLS() {
		dh.SetBytesV(hdrXFProto, strHTTPS)
	} else {
		dh.SetBytesV(hdrXFProto, strHTTP)
	}
	dh.SetBytesV(hdrXFHost, ctx.Host())
	if la, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
		buf = strconv.AppendInt(buf[:0], int64(la.Port), 10)
		dh.SetBytesV(hdrXFPort, buf)
	}
	return buf
}

// stripResponseHopHeaders removes hop-by-hop headers from an upstream
// response before it goes to the client. keepUpgrade keeps Upgrade and
// Connection for a 101 answer.
func stripResponseHopHeaders(h *fasthttp.ResponseHeader, keepUpgrade bool, scratch []byte) []byte {
	// h was copied from a parsed response: its names are canonical, so the
	// canonical constants below need no normalizing.
	h.DisableNormalizing()
	if !keepUpgrade {
		// Copy the names first (canonical, as the header stores them):
		// deleting moves the header's storage.
		scratch = scratch[:0]
		for _, v := range h.PeekAll(hdrConnectio) {
			for len(v) > 0 {
				var t []byte
				t, v = nextToken(v)
				if len(t) > 0 {
					scratch = appendCanonical(scratch, t)
					scratch = append(scratch, ',')
				}
			}
		}
		for v := scratch; len(v) > 0; {
			var t []byte
			t, v = nextToken(v)
			if len(t) > 0 {
				h.DelBytes(t)
			}
		}
	}
	for _, name := range hopHeaders {
		if keepUpgrade && (name == hdrUpgrade || name == hdrConnectio) {
			continue
		}
		h.Del(name)
	}
	h.Del(hdrTE)
	h.ResetConnectionClose()
	return scratch
}

// nextToken splits the first comma-separated token off v, trimmed of
// optional whitespace; tok is empty for an empty element.
func nextToken(v []byte) (tok, rest []byte) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		tok, rest = v[:i], v[i+1:]
	} else {
		tok = v
	}
	return bytes.TrimSpace(tok), rest
}

// appendCanonical appends a header name in the canonical form fasthttp
// stores parsed names in: upper case at the start and after each '-', lower
// case elsewhere.
func appendCanonical(dst, name []byte) []byte {
	up := true
	for _, c := range name {
		switch {
		case up && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !up && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		up = c == '-'
	}
	return dst
}

// hasToken reports whether the comma-separated list v holds tok, ignoring
// case.
func hasToken(v, tok []byte) bool {
	for len(v) > 0 {
		var t []byte
		t, v = nextToken(v)
		if bytes.EqualFold(t, tok) {
			return true
		}
	}
	return false
}

// isUpgrade reports whether the request asks for a protocol upgrade
// (RFC 9110 §7.8).
func isUpgrade(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	if len(h.Peek(hdrUpgrade)) == 0 {
		return false
	}
	for _, v := range h.PeekAll(hdrConnectio) {
		if hasToken(v, strUpgrade) {
			return true
		}
	}
	return false
}

// isIdempotent reports whether method is idempotent (RFC 9110 §9.2.2).
func isIdempotent(method []byte) bool {
	switch string(method) {
	case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE":
		return true
	}
	return false
}
