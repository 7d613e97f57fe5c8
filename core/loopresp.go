package core

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/jetwayhq/jetway/h1"
)

// upstreamHead is what the event loop needs of a node's response head.
type upstreamHead struct {
	status  int
	length  int64 // Content-Length; -1 when none applies
	chunked bool  // Transfer-Encoding: chunked
	// close: the node closes the connection after this answer.
	close bool
	// named: a Connection field names fields, which do not pass.
	named bool
	end   int // the head's length, its empty line included
}

// errUpstreamHead is a response head the loop cannot relay.
var errUpstreamHead = errors.New("jetway: malformed response head from upstream")

// maxUpstreamHead bounds a node's response head, as upstreamReadBufferSize
// does on the default engine.
const maxUpstreamHead = upstreamReadBufferSize

// parseUpstreamHead reads the response head at the start of b. end is -1
// while the head is incomplete. Lines may end in CRLF or a bare LF (RFC
// 9112 §2.2 lets a recipient take either); a head that breaks the syntax,
// folds a line, or frames its body ambiguously is an error, as is a head
// past maxUpstreamHead.
func parseUpstreamHead(b []byte) (h upstreamHead, err error) {
	h.end, h.length = -1, -1
	lf := bytes.IndexByte(b, '\n')
	if lf < 0 {
		return h, incomplete(b)
	}
	line := trimCR(b[:lf])
	if len(line) < 12 || !bytes.HasPrefix(line, strHTTP1) || (line[7] != '0' && line[7] != '1') ||
		line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return h, errUpstreamHead
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return h, errUpstreamHead
		}
		h.status = h.status*10 + int(c-'0')
	}
	if h.status < 100 {
		return h, errUpstreamHead
	}
	keepAlive := line[7] == '1'
	var lengths int
	for at := lf + 1; ; {
		lf := bytes.IndexByte(b[at:], '\n')
		if lf < 0 {
			return h, incomplete(b)
		}
		line := trimCR(b[at : at+lf])
		at += lf + 1
		if len(line) == 0 {
			h.end = at
			break
		}
		name, value, ok := splitField(line)
		if !ok {
			return h, errUpstreamHead
		}
		switch {
		case h1.EqualFold(name, "content-length"):
			n, ok := h1.ParseContentLength(value)
			if !ok || (lengths > 0 && n != h.length) {
				return h, errUpstreamHead
			}
			h.length, lengths = n, lengths+1
		case h1.EqualFold(name, "transfer-encoding"):
			// Only chunked is implemented, as the final coding.
			if !h1.EqualFold(value, "chunked") || h.chunked {
				return h, errUpstreamHead
			}
			h.chunked = true
		case h1.EqualFold(name, "connection"):
			for v := value; len(v) > 0; {
				var t []byte
				t, v = nextToken(v)
				switch {
				case h1.EqualFold(t, "close"):
					h.close = true
				case h1.EqualFold(t, "keep-alive"):
					keepAlive = true
				case len(t) > 0:
					h.named = true
				}
			}
		}
	}
	if h.end > maxUpstreamHead {
		return h, errUpstreamHead
	}
	if h.chunked {
		h.length = -1 // RFC 9112 §6.3: Transfer-Encoding overrides it
	}
	h.close = h.close || !keepAlive
	return h, nil
}

// incomplete is the error for a head not yet complete in b: none while it
// may still fit.
func incomplete(b []byte) error {
	if len(b) >= maxUpstreamHead {
		return errUpstreamHead
	}
	return nil
}

// trimCR drops a CR that ends line.
func trimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

// splitField splits a field line into its name, a token, and its value
// without surrounding whitespace, which may hold only field bytes.
func splitField(line []byte) (name, value []byte, ok bool) {
	if name, value, ok = fieldParts(line); ok {
		for _, c := range value {
			if !h1.IsFieldByte(c) {
				return nil, nil, false
			}
		}
	}
	return name, value, ok
}

// fieldParts is splitField without the check of the value's bytes, for
// a line splitField has passed.
func fieldParts(line []byte) (name, value []byte, ok bool) {
	i := 0
	for i < len(line) && h1.IsTchar(line[i]) {
		i++
	}
	if i == 0 || i == len(line) || line[i] != ':' {
		return nil, nil, false
	}
	return line[:i], h1.TrimOWS(line[i+1:]), true
}

// bodyless reports whether the answer to a request has no body: a HEAD
// request, or a status that never carries one.
func (h *upstreamHead) bodyless(isHead bool) bool { return isHead || noBodyStatus(h.status) }

// closeDelimited reports whether the body runs until the node closes.
func (h *upstreamHead) closeDelimited(isHead bool) bool {
	return !h.bodyless(isHead) && !h.chunked && h.length < 0
}

// appendClientHead appends the client's form of the node's head, b[:h.end],
// which parseUpstreamHead passed:
// status line in HTTP/1.1, the node's end-to-end fields as name: value
// lines, Jetway's Date line, the framing, and Connection: close when
// closeClient. A close-delimited body goes to the client chunked.
// scratch holds the names a Connection field lists.
func appendClientHead(dst, b []byte, h *upstreamHead, isHead bool, date []byte, closeClient bool, scratch []byte) ([]byte, []byte) {
	lf := bytes.IndexByte(b, '\n')
	dst = append(dst, "HTTP/1.1"...)
	dst = append(dst, trimCR(b[8:lf])...)
	dst = append(dst, "\r\n"...)
	named := scratch[:0]
	if h.named {
		for at := lf + 1; at < h.end; {
			n := bytes.IndexByte(b[at:], '\n')
			name, value, _ := fieldParts(trimCR(b[at : at+n]))
			at += n + 1
			if h1.EqualFold(name, "connection") {
				named = appendNamed(named, value, false)
			}
		}
	}
	for at := lf + 1; at < h.end; {
		n := bytes.IndexByte(b[at:], '\n')
		name, value, ok := fieldParts(trimCR(b[at : at+n]))
		at += n + 1
		if !ok || hopNames.has(name) || h1.EqualFold(name, "date") ||
			h1.EqualFold(name, "content-length") || (len(named) > 0 && hasToken(named, name)) {
			continue
		}
		dst = append(dst, name...)
		dst = append(dst, ": "...)
		dst = append(dst, value...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, date...)
	switch {
	case h.bodyless(isHead):
		if h.length >= 0 && h.status != 204 && (h.status < 100 || h.status > 199) {
			dst = appendContentLength(dst, h.length)
		}
	case h.length >= 0:
		dst = appendContentLength(dst, h.length)
	default:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	}
	if closeClient {
		dst = append(dst, "Connection: close\r\n"...)
	}
	return append(dst, "\r\n"...), named
}

func appendContentLength(dst []byte, n int64) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, "\r\n"...)
}

var strHTTP1 = []byte("HTTP/1.")
