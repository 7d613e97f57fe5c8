package core

import (
	"bytes"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/h1"
)

// hopHeaders are the hop-by-hop headers of RFC 9110 §7.6.1, plus the
// de-facto Proxy-Connection and Keep-Alive, Expect (Jetway answers
// 100-continue itself) and TE (on a request only "trailers" passes, which
// Jetway writes itself), in fasthttp's canonical form.
var hopHeaders = [...]string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
	"Proxy-Authenticate", "Trailer", "Transfer-Encoding", "Upgrade", "Expect", "Te",
}

// hopNames holds hopHeaders, to find a name in any case.
var hopNames = func() nameSet {
	l := make([]string, len(hopHeaders))
	for i, h := range hopHeaders {
		l[i] = strings.ToLower(h)
	}
	return newNameSet(l...)
}()

// nameSet finds a field name, in any case, among lower-case names; only
// those of the name's length are compared.
type nameSet [32][]string

func newNameSet(names ...string) (s nameSet) {
	for _, n := range names {
		s[len(n)] = append(s[len(n)], n)
	}
	return s
}

// has reports whether name is in s.
func (s *nameSet) has(name []byte) bool {
	if len(name) >= len(s) {
		return false
	}
	for _, n := range s[len(name)] {
		if h1.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// Header names the response path and the upgrade check look up.
const (
	hdrUpgrade   = "Upgrade"
	hdrConnectio = "Connection"
)

var (
	strTrailers = []byte("trailers")
	strUpgrade  = []byte("upgrade")
)

// stripResponseHopHeaders removes hop-by-hop headers from an upstream
// response before it goes to the client. keepUpgrade keeps Upgrade and
// Connection for a 101 answer.
func stripResponseHopHeaders(h *fasthttp.ResponseHeader, keepUpgrade bool, scratch []byte) []byte {
	if !keepUpgrade && !hasHopField(h) {
		// The common case: one pass over the names instead of a lookup
		// per hop-by-hop name.
		h.ResetConnectionClose()
		return scratch
	}
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
	h.ResetConnectionClose()
	return scratch
}

// hasHopField reports whether h holds a hop-by-hop field (hopHeaders);
// any field a Connection field names comes with that Connection field.
func hasHopField(h *fasthttp.ResponseHeader) bool {
	for k := range h.All() {
		if hopNames.has(k) {
			return true
		}
	}
	return false
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
