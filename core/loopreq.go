package core

import (
	"bytes"

	"github.com/jetwayhq/jetway/h1"
)

// loopRequest is a request the event loop serves itself (loopserve): a
// GET or HEAD in HTTP/1.1 with no body, no upgrade and no expectation,
// whose origin-form target fasthttp would leave as it is. Its slices point
// into the head it was parsed from.
type loopRequest struct {
	method []byte
	target []byte
	path   []byte // target up to '?'
	host   []byte
	raw    []byte // the header section, its empty line included
	isHead bool
	// closeAfter: the client sent Connection: close.
	closeAfter bool
}

// parseLoopRequest reads head, a complete request head: the request line,
// the field lines and the empty line. It reports false for every request
// the loop leaves to the fasthttp server, which then serves or refuses it
// as on the default engine: a fault in the head is never judged here.
func parseLoopRequest(head []byte, l frontDoorLimits) (r loopRequest, ok bool) {
	eol := bytes.Index(head, strCRLF)
	if eol < 0 || eol > l.MaxRequestLineBytes {
		return r, false
	}
	line := head[:eol]
	switch {
	case bytes.HasPrefix(line, strGETSP):
		r.method = line[:3]
	case bytes.HasPrefix(line, strHEADSP):
		r.method, r.isHead = line[:4], true
	default:
		return r, false
	}
	rest := line[len(r.method)+1:]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 || string(rest[sp+1:]) != "HTTP/1.1" {
		return r, false
	}
	r.target = rest[:sp]
	if r.path, ok = loopPath(r.target); !ok {
		return r, false
	}
	r.raw = head[eol+2:]
	f, body, end := frontDoorScan(r.raw)
	if f != fdOK || end != len(r.raw) || body.chunked || body.length != 0 ||
		frontDoorSectionLen(r.raw) > l.MaxHeaderBytes || !fieldBytes(r.raw) {
		return r, false
	}
	for rest := r.raw; ; {
		var name, fl []byte
		if name, fl, rest = nextField(rest); len(name) == 0 {
			break
		}
		switch {
		case h1.EqualFold(name, "host"):
			r.host = fieldValue(name, fl)
		case h1.EqualFold(name, "connection"):
			v := fieldValue(name, fl)
			if hasToken(v, strUpgrade) {
				return r, false
			}
			r.closeAfter = r.closeAfter || hasToken(v, strClose)
		case h1.EqualFold(name, "upgrade"), h1.EqualFold(name, "expect"),
			h1.EqualFold(name, "transfer-encoding"):
			return r, false
		}
	}
	return r, loopHost(r.host)
}

// loopPath returns the path of an origin-form target, and false for any
// target whose path fasthttp would rewrite (percent-decoding, repeated
// slashes, dot segments) or that holds a fragment or a byte outside
// RFC 3986's printable set: those go to the fasthttp server.
func loopPath(target []byte) ([]byte, bool) {
	if len(target) == 0 || target[0] != '/' {
		return nil, false
	}
	path := target
	for i := 0; i < len(target); i++ {
		c := target[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '#' || c == '\\':
			return nil, false
		case c == '?':
			if len(path) == len(target) {
				path = target[:i]
			}
		case len(path) < len(target):
			// In the query: anything printable.
		case c == '%':
			return nil, false
		case c == '/' && i+1 < len(target) && (target[i+1] == '/' || target[i+1] == '.'):
			return nil, false
		}
	}
	return path, true
}

// loopHost reports whether host is one the loop takes as sent, so that
// fasthttp would see the same bytes: a name of lower-case letters, digits,
// '.' and '-', or a bracketed IPv6 address, then at most a port.
func loopHost(host []byte) bool {
	name, port := host, []byte(nil)
	if i := bytes.LastIndexByte(host, ':'); i >= 0 && bytes.IndexByte(host, ']') < i {
		name, port = host[:i], host[i+1:]
		if len(port) == 0 || len(port) > 5 {
			return false
		}
		for _, c := range port {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	if len(name) > 2 && name[0] == '[' && name[len(name)-1] == ']' {
		for _, c := range name[1 : len(name)-1] {
			if !('a' <= c && c <= 'f' || '0' <= c && c <= '9' || c == ':' || c == '.') {
				return false
			}
		}
		return true
	}
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// fieldBytes reports whether a header section that frontDoorScan passed
// holds only bytes a field value may (RFC 9110 §5.5: HTAB, SP, visible
// characters, obs-text), besides its line ends; fasthttp refuses others.
func fieldBytes(raw []byte) bool {
	for i, c := range raw {
		if !h1.IsFieldByte(c) && c != '\n' && !(c == '\r' && i+1 < len(raw) && raw[i+1] == '\n') {
			return false
		}
	}
	return true
}

var (
	strCRLF   = []byte("\r\n")
	strGETSP  = []byte("GET ")
	strHEADSP = []byte("HEAD ")
	strClose  = []byte("close")
)
