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
		frontDoorSectionLen(r.raw) > l.MaxHeaderBytes {
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

// loopHost reports whether host is one the loop takes as sent: present,
// and only lower-case letters, digits, '.', '-', ':' and brackets, so that
// fasthttp would see the same bytes.
func loopHost(host []byte) bool {
	if len(host) == 0 {
		return false
	}
	for _, c := range host {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
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
