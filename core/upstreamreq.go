package core

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/h1"
)

// The upstream request is written as bytes, straight from the client's
// header section as received: the request line, every end-to-end field
// line copied whole, then the forwarding fields. Nothing is parsed into or
// serialized from a header object on the way; the front door has already
// checked every line (frontDoorScan), so the lines copied are well formed.
//
// The head is built once per request (appendRequestHead). Each attempt adds
// its Host, Connection: close when the pool retires the connection, the
// framing field and the body (appendAttempt, exchange.writeTo).

// Forwarding fields Jetway writes itself.
const (
	hdrXFF     = "X-Forwarded-For"
	hdrXFProto = "X-Forwarded-Proto"
	hdrXFHost  = "X-Forwarded-Host"
	hdrXFPort  = "X-Forwarded-Port"
	hdrXRealIP = "X-Real-Ip"
)

// appendRequestHead appends the upstream request head for ctx to dst: the
// request line (origin-form, HTTP/1.1), the client's end-to-end fields and
// the forwarding fields, each line ended by CRLF. It leaves out Host and
// the message framing, which every attempt writes (appendAttempt), and the
// empty line that ends the head. keepUpgrade keeps Upgrade and sends
// Connection: Upgrade, for a tunnel.
//
// Left out of what the client sent: Connection and every field it names,
// Keep-Alive, Proxy-Connection, Proxy-Authorization, Proxy-Authenticate,
// Trailer, Transfer-Encoding, Upgrade (outside a tunnel), Expect (Jetway
// answers 100-continue itself), TE unless it lists "trailers" (then TE:
// trailers), Content-Length (the framing is Jetway's), and the forwarding
// fields Jetway sets. X-Forwarded-For keeps the client's values, joined in
// order, with the TCP peer appended.
func appendRequestHead(dst, scratch []byte, ctx *fasthttp.RequestCtx, remote netip.Addr, keepUpgrade bool) (head, scratch2 []byte) {
	h := &ctx.Request.Header
	src := headSource{method: h.Method(), target: h.RequestURI(), raw: h.RawHeaders(),
		host: ctx.Host(), tls: ctx.IsTLS(), port: -1}
	if len(src.target) > 0 && src.target[0] != '/' && !(len(src.target) == 1 && src.target[0] == '*') {
		// absolute-form (RFC 9112 §3.2.2): origin-form upstream.
		src.target = ctx.URI().RequestURI()
	}
	if la, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
		src.port = la.Port
	}
	return appendUpstreamHead(dst, scratch, &src, remote, keepUpgrade)
}

// headSource is what the upstream head is made from: the client's request
// as received, and what Jetway knows of its connection.
type headSource struct {
	method []byte
	target []byte // origin-form or "*"
	raw    []byte // the header section, field lines and the empty line
	host   []byte // the request's host, as the router saw it
	tls    bool
	port   int // the port the client connected to; -1 when unknown
}

// appendUpstreamHead appends the upstream request head for src, as
// appendRequestHead describes.
func appendUpstreamHead(dst, scratch []byte, src *headSource, remote netip.Addr, keepUpgrade bool) (head, scratch2 []byte) {
	dst = append(dst, src.method...)
	dst = append(dst, ' ')
	dst = append(dst, src.target...)
	dst = append(dst, " HTTP/1.1\r\n"...)

	// One pass copies the kept lines. Only when a Connection field names
	// other fields (rare) is the copy redone without them.
	raw := src.raw
	start := len(dst)
	var f fieldScan
	dst = f.copyKept(dst, raw, nil, keepUpgrade)
	named := scratch[:0]
	if f.named {
		for rest := raw; len(rest) > 0; {
			var name, line []byte
			if name, line, rest = nextField(rest); len(name) == 0 {
				break
			}
			if h1.EqualFold(name, "connection") {
				named = appendNamed(named, fieldValue(name, line), keepUpgrade)
			}
		}
		dst = f.copyKept(dst[:start], raw, named, keepUpgrade)
	}
	dst = append(dst, hdrXFF+": "...)
	if f.xff {
		// The client's values, in order, then the peer.
		for rest := raw; len(rest) > 0; {
			var name, line []byte
			if name, line, rest = nextField(rest); len(name) == 0 {
				break
			}
			if v := fieldValue(name, line); len(v) > 0 && h1.EqualFold(name, "x-forwarded-for") {
				dst = append(dst, v...)
				dst = append(dst, ", "...)
			}
		}
	}
	dst = remote.AppendTo(dst)
	dst = append(dst, "\r\n"+hdrXRealIP+": "...)
	dst = remote.AppendTo(dst)
	dst = append(dst, "\r\n"+hdrXFProto+": "...)
	if src.tls {
		dst = append(dst, "https"...)
	} else {
		dst = append(dst, "http"...)
	}
	dst = append(dst, "\r\n"+hdrXFHost+": "...)
	dst = append(dst, src.host...)
	dst = append(dst, "\r\n"...)
	if src.port >= 0 {
		dst = append(dst, hdrXFPort+": "...)
		dst = strconv.AppendInt(dst, int64(src.port), 10)
		dst = append(dst, "\r\n"...)
	}
	if hasToken(f.te, strTrailers) {
		dst = append(dst, "TE: trailers\r\n"...)
	}
	if keepUpgrade {
		dst = append(dst, "Connection: Upgrade\r\n"...)
	}
	return dst, named
}

// appendNamed appends to list, each followed by a comma, the tokens of a
// Connection value that name a field (namesField).
func appendNamed(list, value []byte, keepUpgrade bool) []byte {
	for len(value) > 0 {
		var t []byte
		if t, value = nextToken(value); namesField(t, keepUpgrade) {
			list = append(list, t...)
			list = append(list, ',')
		}
	}
	return list
}

// namesField reports whether a Connection token names a field that would
// otherwise go upstream (RFC 9110 §7.6.1): not empty, keep-alive or close,
// nor upgrade in a tunnel.
func namesField(t []byte, keepUpgrade bool) bool {
	return len(t) > 0 && !h1.EqualFold(t, "keep-alive") && !h1.EqualFold(t, "close") &&
		!(keepUpgrade && h1.EqualFold(t, "upgrade"))
}

// fieldScan is what copyKept learns about the client's fields on the way.
type fieldScan struct {
	te    []byte // the TE value
	xff   bool   // X-Forwarded-For was sent
	named bool   // a Connection field names fields besides keep-alive and close
}

// copyKept appends to dst the lines of raw whose fields go upstream as sent
// (keptField), less those listed in named (comma-separated), and records
// what it passes in f.
func (f *fieldScan) copyKept(dst, raw, named []byte, keepUpgrade bool) []byte {
	for len(raw) > 0 {
		var name, line []byte
		if name, line, raw = nextField(raw); len(name) == 0 {
			break
		}
		if keptField(name, keepUpgrade) {
			if len(named) == 0 || !hasToken(named, name) {
				dst = append(dst, line...)
			}
			continue
		}
		switch {
		case h1.EqualFold(name, "te"):
			f.te = fieldValue(name, line)
		case h1.EqualFold(name, "connection"):
			for v := fieldValue(name, line); len(v) > 0 && !f.named; {
				var t []byte
				t, v = nextToken(v)
				f.named = namesField(t, keepUpgrade)
			}
		case h1.EqualFold(name, "x-forwarded-for"):
			f.xff = true
		}
	}
	return dst
}

// nextField splits the first field line off a header section as
// RawHeaders holds it, already checked by the front door: its name and the
// whole line with its CRLF. At the empty line that ends the section, name
// is empty and rest is nil.
func nextField(raw []byte) (name, line, rest []byte) {
	i := 0
	for i < len(raw) && h1.IsTchar(raw[i]) {
		i++
	}
	if i == 0 || i == len(raw) || raw[i] != ':' {
		return nil, nil, nil
	}
	lf := bytes.IndexByte(raw[i:], '\n')
	if lf < 0 {
		return nil, nil, nil
	}
	lf += i
	return raw[:i], raw[:lf+1], raw[lf+1:]
}

// fieldValue is the value of a line from nextField, without surrounding
// whitespace.
func fieldValue(name, line []byte) []byte {
	v := line[len(name)+1:]
	v = v[:len(v)-1] // LF
	if len(v) > 0 && v[len(v)-1] == '\r' {
		v = v[:len(v)-1]
	}
	return h1.TrimOWS(v)
}

// ownFields are the client fields Jetway writes itself instead: Host and
// the framing with each attempt, and the forwarding fields.
var ownFields = newNameSet(
	"host", "content-length", "x-forwarded-for", "x-forwarded-proto",
	"x-forwarded-host", "x-forwarded-port", "x-real-ip",
)

// keptField reports whether a client field, by its name (any case), goes
// upstream as sent: neither hop-by-hop (a tunnel keeps Upgrade) nor one of
// ownFields. Fields named by Connection are checked apart.
func keptField(name []byte, keepUpgrade bool) bool {
	if hopNames.has(name) {
		return keepUpgrade && h1.EqualFold(name, "upgrade")
	}
	return !ownFields.has(name)
}

// prepare fills x.out with what one attempt writes before a streamed body:
// the head, the attempt's fields and, when buffered, the body.
func (x *exchange) prepare(closeConn bool) {
	n := int64(len(x.bodyRaw))
	if x.streamed {
		n = x.bodyLen
	}
	x.out = appendAttempt(append(x.out[:0], x.head...), x.host, closeConn, n, x.method)
	x.out = append(x.out, x.bodyRaw...)
}

// writeTo sends the attempt prepared in x.out on c, then the streamed body
// if there is one.
func (x *exchange) writeTo(c net.Conn) error {
	if _, err := c.Write(x.out); err != nil {
		return err
	}
	if x.streamed {
		return x.body.copyTo(c, x.bodyLen)
	}
	return nil
}

// appendAttempt appends what one attempt adds to the head: Host, then
// Connection: close when closeConn, the framing field, and the empty line.
// A body of bodyLen bytes follows (-1: chunked).
func appendAttempt(dst, host []byte, closeConn bool, bodyLen int64, method []byte) []byte {
	dst = append(dst, "Host: "...)
	dst = append(dst, host...)
	dst = append(dst, "\r\n"...)
	if closeConn {
		dst = append(dst, "Connection: close\r\n"...)
	}
	switch {
	case bodyLen < 0:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	case bodyLen > 0 || expectsBody(method):
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, bodyLen, 10)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// expectsBody reports methods whose requests carry content, so that an
// empty one is sent with Content-Length: 0 (RFC 9110 §8.6).
func expectsBody(method []byte) bool {
	switch string(method) {
	case "POST", "PUT", "PATCH":
		return true
	}
	return false
}
