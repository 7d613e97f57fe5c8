package hc

import (
	"bytes"
	"errors"

	"github.com/jetwayhq/jetway/h1"
)

// Response parse errors. A probe reports them as "read: <text>".
var (
	errStatusLine   = errors.New("malformed status line")
	errHeaderField  = errors.New("malformed header field")
	errHeadTooLarge = errors.New("response head too large")
	errLength       = errors.New("malformed content-length")
	errChunk        = errors.New("malformed chunked body")
)

// response parses one HTTP/1.x response to a probe (RFC 9112) from bytes
// that arrive in pieces, and keeps only the state that later pieces need:
// a probe keeps the status and the body's framing, never the body.
//
// It is written here rather than taken from fasthttp, whose Response reads
// from a bufio.Reader and blocks until the response is complete; an event
// loop needs "not yet" for a partial read instead.
//
// It is strict where leniency would hide a broken server: a status line is
// "HTTP/1.<digit> <3 digits>[ <reason>]"; a field is "token:value" with no
// space before the colon and no folding; Content-Length is digits only, and
// repeats must agree. Lines may end in LF alone (RFC 9112 §2.2). Interim 1xx
// responses are skipped, except 101, which ends the response and the
// connection. Call reset before each response.
type response struct {
	state  respState
	head   bool // the request was HEAD: no response has a body
	status int
	// close: the connection cannot carry another request, because the
	// server said so, framed the body by closing, or sent more body than a
	// probe reads.
	close bool
	size  int64 // body bytes left: the Content-Length's, or the chunk's
	body  int64 // body bytes read so far, chunk framing and trailer included
	digit bool  // the chunk-size line has a digit
}

// respState is where a response's parse stands.
type respState uint8

const (
	respHead         respState = iota // a head, final or 1xx
	respLength                        // body bytes framed by Content-Length
	respChunkSize                     // hex digits of a chunk-size line
	respChunkExt                      // rest of a chunk-size line
	respChunkSizeLF                   // LF after a chunk-size line's CR
	respChunkData                     // chunk data
	respChunkDataCR                   // CRLF after chunk data
	respChunkDataLF                   // LF after chunk data's CR
	respTrailerStart                  // start of a trailer line
	respTrailerLine                   // rest of a trailer line
	respTrailerLF                     // LF ending the trailer section
	respDone                          // complete
)

// reset makes r ready for the response to a new request; head says that
// request was HEAD.
func (r *response) reset(head bool) { *r = response{head: head} }

// inHead reports that r waits for (more of) a head. The bytes parse has
// not used are then the start of that head, and must be passed again,
// with what follows, to the next call.
func (r *response) inHead() bool { return r.state == respHead }

// parse reads b, the bytes after those it used before. It returns how many
// it used; done reports that the response is complete, and err a malformed
// one (or a head longer than probeReadBuffer). A head is used only whole.
// Bytes after a complete response are not used.
func (r *response) parse(b []byte) (n int, done bool, err error) {
	for r.state != respDone && n < len(b) {
		switch r.state {
		case respHead:
			m, err := r.parseHead(b[n:])
			if m == 0 || err != nil {
				return n, false, err
			}
			n += m
		case respLength, respChunkData:
			m := int(min(r.size, int64(len(b)-n)))
			n += m
			if r.size -= int64(m); r.size > 0 {
				break
			}
			if r.state == respLength {
				r.state = respDone
			} else {
				r.state = respChunkDataCR
			}
		case respTrailerLine:
			m := len(b) - n
			if i := bytes.IndexByte(b[n:], '\n'); i >= 0 {
				m = i + 1
				r.state = respTrailerStart
			}
			n += m
			r.body += int64(m)
		default:
			if err := r.chunkByte(b[n]); err != nil {
				return n, false, err
			}
			n++
			r.body++
		}
		if r.body > maxProbeBody {
			// More body than a probe reads: the status counts, the
			// connection goes.
			r.close = true
			r.state = respDone
		}
	}
	return n, r.state == respDone, nil
}

// chunkByte reads one byte of chunked framing (RFC 9112 §7.1).
func (r *response) chunkByte(c byte) error {
	switch r.state {
	case respChunkSize:
		switch d := h1.Unhex(c); {
		case d >= 0:
			r.size = r.size<<4 | int64(d)
			r.digit = true
			if r.size > maxProbeBody {
				r.close = true
				r.state = respDone
			}
			return nil
		case !r.digit:
			return errChunk
		case c == '\r':
			r.state = respChunkSizeLF
			return nil
		case c == '\n':
			r.endSizeLine()
			return nil
		case c == ';' || c == ' ' || c == '\t':
			r.state = respChunkExt
			return nil
		}
		return errChunk
	case respChunkExt:
		if c == '\n' {
			r.endSizeLine()
		}
		return nil
	case respChunkSizeLF, respChunkDataLF, respTrailerLF:
		if c != '\n' {
			return errChunk
		}
		switch r.state {
		case respChunkSizeLF:
			r.endSizeLine()
		case respChunkDataLF:
			r.state = respChunkSize
		default:
			r.state = respDone
		}
		return nil
	case respChunkDataCR:
		switch c {
		case '\r':
			r.state = respChunkDataLF
		case '\n':
			r.state = respChunkSize
		default:
			return errChunk
		}
		return nil
	case respTrailerStart:
		switch c {
		case '\r':
			r.state = respTrailerLF
		case '\n':
			r.state = respDone
		default:
			r.state = respTrailerLine
		}
		return nil
	}
	return errChunk
}

// endSizeLine ends a chunk-size line: data follows, or the trailer.
func (r *response) endSizeLine() {
	r.body += r.size
	r.digit = false
	if r.size == 0 {
		r.state = respTrailerStart
		return
	}
	r.state = respChunkData
}

// parseHead parses a head at the start of b and returns its length, or 0
// when b does not hold all of it yet.
func (r *response) parseHead(b []byte) (int, error) {
	if !bytes.HasPrefix(b, httpPrefix) && !bytes.HasPrefix(httpPrefix, b) {
		// Not HTTP at all: no need to wait for the line's end.
		return 0, errStatusLine
	}
	line, rest, ok := cutLine(b)
	if !ok {
		return 0, needHead(b)
	}
	minor, status, ok := parseStatusLine(line)
	if !ok {
		return 0, errStatusLine
	}
	var (
		length              int64 = -1
		chunked, te, closes bool
		keepAlive           bool
	)
	for {
		if line, rest, ok = cutLine(rest); !ok {
			return 0, needHead(b)
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := parseField(line)
		if !ok {
			return 0, errHeaderField
		}
		switch {
		case h1.EqualFold(name, "content-length"):
			n, ok := h1.ParseContentLength(value)
			if !ok || (length >= 0 && n != length) {
				return 0, errLength
			}
			length = n
		case h1.EqualFold(name, "transfer-encoding"):
			te = true
			chunked = lastTokenIs(value, "chunked")
		case h1.EqualFold(name, "connection"):
			closes = closes || hasToken(value, "close")
			keepAlive = keepAlive || hasToken(value, "keep-alive")
		}
	}
	n := len(b) - len(rest)
	if status < 200 && status != 101 {
		// Interim response: the final one follows.
		return n, nil
	}
	r.status = status
	r.close = closes || (minor == 0 && !keepAlive) || status == 101
	// Body length, RFC 9112 §6.3.
	switch {
	case r.head || status < 200 || status == 204 || status == 304:
		r.state = respDone
	case te:
		// Transfer-Encoding overrides Content-Length; both at once may be
		// smuggling, so the connection goes afterwards. Any other coding
		// is framed by closing.
		r.close = r.close || length >= 0 || !chunked
		r.state = respChunkSize
		if !chunked {
			r.state = respDone
		}
	case length > maxProbeBody:
		r.close = true
		r.state = respDone
	case length >= 0:
		r.size = length
		r.state = respLength
		if length == 0 {
			r.state = respDone
		}
	default:
		// Framed by closing: the status counts, the rest is not read.
		r.close = true
		r.state = respDone
	}
	return n, nil
}

var httpPrefix = []byte("HTTP/")

// needHead is the outcome of a head not complete in b: wait for more, or
// give up when b already fills the read buffer.
func needHead(b []byte) error {
	if len(b) >= probeReadBuffer {
		return errHeadTooLarge
	}
	return nil
}

// cutLine cuts b at its first LF, dropping a CR before it.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, b, false
	}
	line, rest = b[:i], b[i+1:]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, rest, true
}

// parseStatusLine parses "HTTP/1.<minor> <status>[ <reason>]".
func parseStatusLine(line []byte) (minor, status int, ok bool) {
	if len(line) < len("HTTP/1.x 200") || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
		return 0, 0, false
	}
	if c := line[7]; c < '0' || c > '9' {
		return 0, 0, false
	}
	minor = int(line[7] - '0')
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 {
		return 0, 0, false
	}
	if rest := line[12:]; len(rest) > 0 && (rest[0] != ' ' || !fieldText(rest)) {
		return 0, 0, false
	}
	return minor, status, true
}

// parseField splits "name: value", trimming the value's spaces and tabs.
func parseField(line []byte) (name, value []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil, nil, false
	}
	name, value = line[:i], bytes.Trim(line[i+1:], " \t")
	for _, c := range name {
		if !h1.IsTchar(c) {
			return nil, nil, false
		}
	}
	return name, value, fieldText(value)
}

// fieldText reports that b holds no control byte but tab.
func fieldText(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// hasToken reports that the comma-separated list v holds token, in any
// case.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		item := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if h1.EqualFold(h1.TrimOWS(item), token) {
			return true
		}
	}
	return false
}

// lastTokenIs reports that the last item of the comma-separated list v is
// token, in any case.
func lastTokenIs(v []byte, token string) bool {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return h1.EqualFold(h1.TrimOWS(v), token)
}
