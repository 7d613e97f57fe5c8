package core

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/h1"
)

// The front door refuses malformed requests before they are routed or
// proxied, in three places. frontConn follows every client connection's
// byte stream before fasthttp reads it (frontScan): it checks each head as
// sent (line endings, sizes, the header section, framing) and the chunked
// framing of bodies, and hands fasthttp a refused request's fault as a read
// error. fasthttp's parser refuses what else it cannot parse. Both reach
// the server's ErrorHandler. frontDoorCheck then judges the parsed request
// line and Host, the refusals that leave the connection open. None of it
// takes a lock or allocates.

// Default request-size limits, used when frontDoorLimits leaves one at zero.
// RFC 9112 §3 recommends supporting request lines of at least 8000 octets.
const (
	frontDoorDefaultMaxHeaderBytes      = 16 << 10
	frontDoorDefaultMaxRequestLineBytes = 8 << 10
)

// frontDoorLimits are the request-size limits (from config gateway.http).
//
// MaxRequestLineBytes bounds the request-line (RFC 9112 §3: method, target
// and version with the two spaces), not counting its CRLF; beyond it the
// answer is 414. MaxHeaderBytes bounds the header section: every field line
// with its CRLF, not counting the empty line that ends the section (RFC 9112
// §2.1); beyond it the answer is 431. A value <= 0 selects the default.
type frontDoorLimits struct{ MaxHeaderBytes, MaxRequestLineBytes int }

// orDefaults returns l with every unset limit at its default.
func (l frontDoorLimits) orDefaults() frontDoorLimits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = frontDoorDefaultMaxHeaderBytes
	}
	if l.MaxRequestLineBytes <= 0 {
		l.MaxRequestLineBytes = frontDoorDefaultMaxRequestLineBytes
	}
	return l
}

// readBufferSize is the smallest fasthttp read buffer that holds every
// request head within l: one empty line a client may send before the
// request line (RFC 9112 §2.2), the request line and its CRLF, the header
// section and the empty line that ends it. fasthttp needs the whole head in
// this buffer; frontScan refuses a longer one before fasthttp sees it.
func (l frontDoorLimits) readBufferSize() int {
	return 2 + l.MaxRequestLineBytes + 2 + l.MaxHeaderBytes + 2
}

// frontDoorServer applies the limits and parser settings to s, which must
// serve a listener from frontDoorListen with the same limits. It owns
// s.ReadBufferSize, s.ErrorHandler and s.SecureErrorLogMessage. Parser
// error messages are kept free of request bytes, so credentials and
// cookies in a malformed request never reach the error log.
func frontDoorServer(s *fasthttp.Server, l frontDoorLimits) {
	l = l.orDefaults()
	s.ReadBufferSize = l.readBufferSize()
	s.ErrorHandler = frontDoorErrorHandler
	s.SecureErrorLogMessage = true
}

// frontDoorCheck validates a parsed request; on a violation it writes the
// error response (status, JSON body, Connection: close unless the message
// framing is intact) and returns false. It takes no lock and does not
// allocate.
func frontDoorCheck(ctx *fasthttp.RequestCtx) bool {
	f := frontDoorInspect(&ctx.Request.Header)
	if f == fdOK {
		return true
	}
	frontDoorRefuse(ctx, f)
	return false
}

// frontDoorErrorHandler answers a request fasthttp refused before any
// handler ran. fasthttp closes the connection after it.
func frontDoorErrorHandler(ctx *fasthttp.RequestCtx, err error) {
	frontDoorRefuse(ctx, frontDoorErrorFault(err))
}

// frontDoorFault names why a request is refused.
type frontDoorFault uint8

const (
	fdOK frontDoorFault = iota
	fdVersion
	fdRequestLineTooLong
	fdHeaderTooLarge
	fdLineEnding
	fdRequestLineEnding
	fdObsFold
	fdLeadingWhitespace
	fdFieldName
	fdField
	fdFieldValue
	fdDupContentLength
	fdContentLength
	fdContentLengthAndTE
	fdTransferEncoding
	fdChunkedBody
	fdMissingHost
	fdDupHost
	fdHost
	fdHostUserinfo
	fdTargetUserinfo
	fdTargetAuthority
	fdTarget
	fdRequestLine
	fdIncomplete
	fdTimeout
	fdBodyTooLarge
	fdMalformed
)

// frontDoorReply is the response to one fault.
type frontDoorReply struct {
	status int
	// keepAlive is set for faults in the request's authority alone: the
	// message was framed and read as sent, so the connection can serve the
	// next request. Every other refusal closes it.
	keepAlive bool
	body      []byte
}

// frontDoorReplies holds every refusal, body included, so that refusing
// allocates nothing. Bodies follow APISIX: {"error_msg":"..."}.
var frontDoorReplies = [...]frontDoorReply{
	fdVersion:            {status: fasthttp.StatusHTTPVersionNotSupported, body: fdBody("HTTP version not supported")},
	fdRequestLineTooLong: {status: fasthttp.StatusRequestURITooLong, body: fdBody("request line too long")},
	fdHeaderTooLarge:     {status: fasthttp.StatusRequestHeaderFieldsTooLarge, body: fdBody("request header fields too large")},
	fdLineEnding:         {status: fasthttp.StatusBadRequest, body: fdBody("header line not ended by CRLF")},
	fdRequestLineEnding:  {status: fasthttp.StatusBadRequest, body: fdBody("request line not ended by CRLF")},
	fdObsFold:            {status: fasthttp.StatusBadRequest, body: fdBody("obsolete line folding")},
	fdLeadingWhitespace:  {status: fasthttp.StatusBadRequest, body: fdBody("whitespace before the first header field")},
	fdFieldName:          {status: fasthttp.StatusBadRequest, body: fdBody("invalid header field name")},
	fdField:              {status: fasthttp.StatusBadRequest, body: fdBody("malformed header field")},
	fdFieldValue:         {status: fasthttp.StatusBadRequest, body: fdBody("invalid header field value")},
	fdDupContentLength:   {status: fasthttp.StatusBadRequest, body: fdBody("duplicate Content-Length")},
	fdContentLength:      {status: fasthttp.StatusBadRequest, body: fdBody("invalid Content-Length")},
	fdContentLengthAndTE: {status: fasthttp.StatusBadRequest, body: fdBody("both Content-Length and Transfer-Encoding")},
	fdTransferEncoding:   {status: fasthttp.StatusBadRequest, body: fdBody("unsupported Transfer-Encoding")},
	fdChunkedBody:        {status: fasthttp.StatusBadRequest, body: fdBody("malformed chunked body")},
	fdMissingHost:        {status: fasthttp.StatusBadRequest, body: fdBody("missing Host header")},
	fdDupHost:            {status: fasthttp.StatusBadRequest, body: fdBody("multiple Host headers")},
	fdHost:               {status: fasthttp.StatusBadRequest, body: fdBody("invalid Host header")},
	fdHostUserinfo:       {status: fasthttp.StatusBadRequest, keepAlive: true, body: fdBody("userinfo in Host header")},
	fdTargetUserinfo:     {status: fasthttp.StatusBadRequest, keepAlive: true, body: fdBody("userinfo in request target")},
	fdTargetAuthority:    {status: fasthttp.StatusBadRequest, keepAlive: true, body: fdBody("ambiguous request target")},
	fdTarget:             {status: fasthttp.StatusBadRequest, body: fdBody("invalid request target")},
	fdRequestLine:        {status: fasthttp.StatusBadRequest, body: fdBody("malformed request line")},
	fdIncomplete:         {status: fasthttp.StatusBadRequest, body: fdBody("incomplete request")},
	fdTimeout:            {status: fasthttp.StatusRequestTimeout, body: fdBody("request timeout")},
	fdBodyTooLarge:       {status: fasthttp.StatusRequestEntityTooLarge, body: fdBody("request body too large")},
	fdMalformed:          {status: fasthttp.StatusBadRequest, body: fdBody("malformed request")},
}

// fdBody is the JSON error body carrying reason, which holds no character
// that JSON escapes.
func fdBody(reason string) []byte {
	return []byte(`{"error_msg":"` + reason + `"}` + "\n")
}

var fdSchemeSep = []byte("://")

// frontDoorRefuse writes the response for f. It allocates nothing: the
// body is one of frontDoorReplies, sent without copying.
func frontDoorRefuse(ctx *fasthttp.RequestCtx, f frontDoorFault) {
	r := &frontDoorReplies[f]
	answerJSON(ctx, r.status, r.body)
	if !r.keepAlive {
		ctx.SetConnectionClose()
	}
}

// frontDoorInspect returns the first fault of a request parsed by
// fasthttp, or fdOK. Its head as sent has passed frontScan.
func frontDoorInspect(h *fasthttp.RequestHeader) frontDoorFault {
	// RFC 9112 §2.3: only HTTP/1.0 and HTTP/1.1 are served. fasthttp
	// accepts any HTTP/d.d and refuses the rest itself.
	proto := h.Protocol()
	if string(proto) != "HTTP/1.1" && string(proto) != "HTTP/1.0" {
		return fdVersion
	}
	target := h.RequestURI()
	// RFC 9110 §7.2: Host is uri-host [":" port]; userinfo is never part
	// of it, and fasthttp would carry it into the URI as credentials.
	host := h.Host()
	if bytes.IndexByte(host, '@') >= 0 {
		return fdHostUserinfo
	}
	return frontDoorTarget(target, len(host) != 0)
}

// frontDoorSectionLen is the length of the header section in raw: the field
// lines without the empty line that ends them.
func frontDoorSectionLen(raw []byte) int {
	n := len(raw)
	if n > 0 && raw[n-1] == '\n' {
		n--
		if n > 0 && raw[n-1] == '\r' {
			n--
		}
	}
	return n
}

// frontDoorScan checks a header section as received: every field line and
// the empty line that ends the section. It returns the first fault, or the
// body framing the section announces and end, the length of the section
// with its empty line; end is -1 when raw ends before that line.
//
// It refuses a line not ended by CRLF (RFC 9112 §2.2), a line starting with
// SP or HTAB (obs-fold, RFC 9112 §5.2), a field name that is not a token or
// is followed by whitespace before the colon (RFC 9112 §5.1, RFC 9110
// §5.6.2), more than one Content-Length (RFC 9112 §6.3), Content-Length
// together with Transfer-Encoding (RFC 9112 §6.1), a Transfer-Encoding other
// than one "chunked" (RFC 9112 §6.3), and more than one Host (RFC 9112
// §3.2).
//
// Jetway implements only the chunked transfer coding, so every other
// Transfer-Encoding gets 400 and a closed connection. Where chunked is not
// the final coding, RFC 9112 §6.3 requires exactly that. Where a list ends in
// chunked after a coding Jetway does not implement ("gzip, chunked"), RFC
// 9112 §6.1 suggests 501; Jetway answers 400 as for every other list, which
// meets every requirement of §6.1 and §6.3.
func frontDoorScan(raw []byte) (f frontDoorFault, body msgBody, end int) {
	var contentLength, transferEncoding, host int
	chunked := true
	var length int64
	for first, at := true, 0; at < len(raw); first = false {
		line := raw[at:]
		// The field name runs up to the first byte that is not a token
		// character, which must be the colon.
		i := 0
		for i < len(line) && h1.IsTchar(line[i]) {
			i++
		}
		if i == len(line) {
			return fdOK, msgBody{}, -1
		}
		if i == 0 {
			switch line[0] {
			case '\r':
				if len(line) == 1 {
					return fdOK, msgBody{}, -1
				}
				if line[1] == '\n' {
					f, body = frontDoorFraming(contentLength, transferEncoding, host, chunked, length)
					return f, body, at + 2
				}
				return fdLineEnding, msgBody{}, -1
			case '\n':
				return fdLineEnding, msgBody{}, -1
			case ' ', '\t':
				if first {
					return fdLeadingWhitespace, msgBody{}, -1
				}
				return fdObsFold, msgBody{}, -1
			}
			return fdFieldName, msgBody{}, -1
		}
		if line[i] != ':' {
			return fdFieldName, msgBody{}, -1
		}
		name := line[:i]
		lf := bytes.IndexByte(line[i+1:], '\n')
		if lf < 0 {
			return fdOK, msgBody{}, -1
		}
		lf += i + 1
		if line[lf-1] != '\r' {
			return fdLineEnding, msgBody{}, -1
		}
		value := line[i+1 : lf-1]
		at += lf + 1
		switch len(name) {
		case len("host"):
			if h1.EqualFold(name, "host") {
				host++
			}
		case len("content-length"):
			if h1.EqualFold(name, "content-length") {
				contentLength++
				var ok bool
				if length, ok = h1.ParseContentLength(h1.TrimOWS(value)); !ok {
					return fdContentLength, msgBody{}, -1
				}
			}
		case len("transfer-encoding"):
			if h1.EqualFold(name, "transfer-encoding") {
				transferEncoding++
				if !h1.EqualFold(h1.TrimOWS(value), "chunked") {
					chunked = false
				}
			}
		}
	}
	return fdOK, msgBody{}, -1
}

// msgBody is the body framing of a request head (RFC 9112 §6.3).
type msgBody struct {
	chunked bool
	length  int64 // the Content-Length, when not chunked
}

// frontDoorFraming judges the counts of the framing and Host fields of one
// header section; chunked is false if a Transfer-Encoding was other than
// "chunked"; length is the Content-Length value.
func frontDoorFraming(contentLength, transferEncoding, host int, chunked bool, length int64) (frontDoorFault, msgBody) {
	switch {
	case contentLength > 1:
		return fdDupContentLength, msgBody{}
	case contentLength > 0 && transferEncoding > 0:
		return fdContentLengthAndTE, msgBody{}
	case transferEncoding > 1 || !chunked:
		return fdTransferEncoding, msgBody{}
	case host > 1:
		return fdDupHost, msgBody{}
	}
	return fdOK, msgBody{chunked: transferEncoding == 1, length: length}
}

// frontDoorTarget checks the request target (RFC 9112 §3.2) for an
// authority the gateway would not see in Host.
func frontDoorTarget(target []byte, hasHost bool) frontDoorFault {
	if len(target) > 0 && target[0] == '/' {
		// Origin-form carries no authority, but fasthttp reads one (with
		// userinfo) from a target starting with "//" when the request has
		// no Host or the target holds "://" anywhere.
		if len(target) > 1 && target[1] == '/' && (!hasHost || bytes.Contains(target, fdSchemeSep)) {
			return fdTargetAuthority
		}
		return fdOK
	}
	// Absolute-form, authority-form (CONNECT) or asterisk-form. RFC 9110
	// §4.2.4: userinfo in an http(s) URI is an error.
	authority := target
	if i := bytes.Index(authority, fdSchemeSep); i >= 0 {
		authority = authority[i+len(fdSchemeSep):]
	}
	if end := bytes.IndexAny(authority, "/?#"); end >= 0 {
		authority = authority[:end]
	}
	if bytes.IndexByte(authority, '@') >= 0 {
		return fdTargetUserinfo
	}
	return fdOK
}

// frontDoorErrorFault maps an error fasthttp met while reading a request to
// the fault to answer with. Exported fasthttp errors are matched by
// identity; the rest by the text fasthttp v1.78.0 gives them, in
// frontDoorErrorTexts.
func frontDoorErrorFault(err error) frontDoorFault {
	var scanned *frontDoorError
	var small *fasthttp.ErrSmallBuffer
	var chunk fasthttp.ErrBrokenChunk
	var netErr net.Error
	switch {
	case errors.As(err, &scanned):
		return scanned.fault
	case errors.As(err, &small):
		return fdHeaderTooLarge
	case errors.As(err, &netErr) && netErr.Timeout():
		return fdTimeout
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return fdBodyTooLarge
	case errors.Is(err, fasthttp.ErrDuplicateContentLength):
		return fdDupContentLength
	case errors.Is(err, fasthttp.ErrUnsupportedTransferEncoding):
		return fdTransferEncoding
	case errors.As(err, &chunk):
		return fdChunkedBody
	case errors.Is(err, fasthttp.ErrMissingRequestMethod),
		errors.Is(err, fasthttp.ErrUnsupportedRequestMethod):
		return fdRequestLine
	case errors.Is(err, fasthttp.ErrEmptyRequestURI),
		errors.Is(err, fasthttp.ErrorInvalidURI):
		return fdTarget
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fdIncomplete
	}
	msg := strings.TrimPrefix(err.Error(), "error when reading request headers: ")
	for _, t := range frontDoorErrorTexts {
		if strings.HasPrefix(msg, t.prefix) {
			return t.fault
		}
	}
	return fdMalformed
}

// frontDoorErrorTexts maps the start of fasthttp's unexported request
// errors to faults, first match wins. A version that is not HTTP/d.d but
// starts with "HTTP/" (HTTP/3) is an unsupported version (505); any other
// (a lower case name, a stray space in the request line) makes the request
// line malformed.
var frontDoorErrorTexts = [...]struct {
	prefix string
	fault  frontDoorFault
}{
	{`unsupported http version "HTTP/`, fdVersion},
	{"unsupported http version", fdRequestLine},
	{"unsupported http request method", fdRequestLine},
	{"cannot find http request method", fdRequestLine},
	{"cannot find whitespace in the first line of request", fdRequestLine},
	{"invalid request uri", fdTarget},
	{"request uri cannot be empty", fdTarget},
	{"missing required host header", fdMissingHost},
	{"too many host headers", fdDupHost},
	{"invalid host", fdHost},
	{"invalid port", fdHost},
	{"missing ']' in host", fdHost},
	{"cannot parse content-length", fdContentLength},
	{"too many transfer-encoding headers", fdTransferEncoding},
	{"unsupported transfer-encoding", fdTransferEncoding},
	{"invalid headers, headers cannot start with space or tab", fdLeadingWhitespace},
	{"invalid header key", fdFieldName},
	{"malformed mime header", fdField},
	{"invalid header value", fdFieldValue},
	{"empty hex number", fdChunkedBody},
	{"too large hex number", fdChunkedBody},
}
