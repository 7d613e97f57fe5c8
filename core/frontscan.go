package core

import (
	"bytes"
	"sync"

	"github.com/jetwayhq/jetway/h1"
)

// frontScan follows the HTTP/1.1 message framing of a client connection's
// byte stream as it arrives, before fasthttp reads it (frontConn). It sees
// every byte on the wire, so it judges what fasthttp's parser hides: the
// line ending of the request line, whether a head too large for the read
// buffer has too long a request line (414) or too large a header section
// (431), and the exact header section (frontDoorScan). It follows bodies
// by their framing, Content-Length or chunked (RFC 9112 §6, §7.1), to find
// where the next request starts, and checks the chunked framing on the way.
//
// scan reports the first fault with the number of bytes fasthttp may still
// be given: never enough to complete the faulty request's head, so fasthttp
// asks for more and gets the fault as its read error.
type frontScan struct {
	limits frontDoorLimits // with defaults
	state  uint8
	// fresh: no byte of the current message has been seen.
	fresh bool
	// line is the length of the line being received, its LF not counted;
	// cr says its last byte so far is CR.
	line int
	cr   bool
	// section is the header section received so far, when it did not
	// come in one read (a pooled buffer; nil otherwise).
	section *[]byte
	// remain counts the body or chunk-data bytes still to pass.
	remain int64
	// digits counts the hex digits of the chunk size read; size is their
	// value; after says what follows them so far.
	digits int
	size   int64
	after  uint8
	// trailer counts the bytes of the trailer section so far.
	trailer int
}

// Scan states.
const (
	scanRequestLine = iota // before or in the request line
	scanSection            // in the header section
	scanBody               // in a body of known length
	scanChunkSize          // in a chunk-size line
	scanChunkData          // in chunk data
	scanChunkCR            // expecting the CR after chunk data
	scanChunkLF            // expecting the LF after chunk data
	scanTrailer            // in the trailer section
)

// What follows the digits of a chunk size.
const (
	afterNothing   = iota
	afterOWS       // whitespace: only more of it, then CRLF
	afterExtension // ";": anything but CR and LF, then CRLF
)

// maxChunkSizeDigits bounds the hex digits of a chunk size, as fasthttp's
// parser does on 64-bit machines.
const maxChunkSizeDigits = 15

// sectionBuffers hold header sections while they arrive.
var sectionBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

func newFrontScan(l frontDoorLimits) frontScan {
	return frontScan{limits: l.orDefaults(), fresh: true}
}

// scan follows b, the next bytes of the stream. It returns fdOK and
// len(b), or the first fault and how many bytes of b fasthttp may be
// given.
func (s *frontScan) scan(b []byte) (int, frontDoorFault) {
	// start is where the current message began in b; -1 if it began
	// before b.
	start := -1
	if s.fresh {
		start = 0
	}
	for i := 0; i < len(b); {
		if s.fresh {
			start, s.fresh = i, false
		}
		var f frontDoorFault
		i, f = s.step(b, i)
		if f != fdOK {
			return s.fault(b, start), f
		}
	}
	return len(b), fdOK
}

// step follows b from i as far as the current state goes.
func (s *frontScan) step(b []byte, i int) (int, frontDoorFault) {
	var f frontDoorFault
	switch s.state {
	case scanRequestLine:
		i, f = s.requestLine(b, i)
	case scanSection:
		i, f = s.headerSection(b, i)
	case scanBody:
		var end bool
		if i, end = s.pass(b, i); end {
			s.next()
		}
	case scanChunkSize:
		i, f = s.chunkSize(b, i)
	case scanChunkData:
		var end bool
		if i, end = s.pass(b, i); end {
			s.state = scanChunkCR
		}
	case scanChunkCR, scanChunkLF:
		want := byte('\r')
		if s.state == scanChunkLF {
			want = '\n'
		}
		if b[i] != want {
			f = fdChunkedBody
			break
		}
		i++
		if s.state == scanChunkCR {
			s.state = scanChunkLF
		} else {
			s.chunk()
		}
	case scanTrailer:
		i, f = s.trailerSection(b, i)
	}
	return i, f
}

// chunkedBody returns a scan following a chunked body from its first
// chunk, to find where it ends (follow).
func chunkedBody(l frontDoorLimits) frontScan {
	s := newFrontScan(l)
	s.fresh = false
	s.chunk()
	return s
}

// follow passes the bytes of b that belong to the body being followed:
// n of them, and done once the body ended within them.
func (s *frontScan) follow(b []byte) (n int, done bool, f frontDoorFault) {
	for i := 0; i < len(b); {
		if i, f = s.step(b, i); f != fdOK {
			return i, false, f
		}
		if s.fresh {
			return i, true, fdOK
		}
	}
	return len(b), false, fdOK
}

// fault returns how much of b fasthttp may be given when the message that
// began at start (-1: before b) is faulty: what precedes it, and of the
// message one byte that is not CR or LF, so that fasthttp has begun a
// request and answers the read error with a response.
func (s *frontScan) fault(b []byte, start int) int {
	if start < 0 {
		return 0
	}
	for k := start; k < len(b); k++ {
		if b[k] != '\r' && b[k] != '\n' {
			return k + 1
		}
	}
	return start
}

// pass lets through up to s.remain bytes of b from i; end reports that
// they were the last.
func (s *frontScan) pass(b []byte, i int) (next int, end bool) {
	n := min(s.remain, int64(len(b)-i))
	s.remain -= n
	return i + int(n), s.remain == 0
}

// chunk starts a chunk-size line.
func (s *frontScan) chunk() {
	s.state, s.digits, s.size, s.after, s.cr = scanChunkSize, 0, 0, afterNothing, false
}

// next ends the current message: the next byte starts a request.
func (s *frontScan) next() {
	s.state, s.fresh, s.line, s.cr = scanRequestLine, true, 0, false
}

// pastHead reports whether the head of the current request has passed:
// the scan is in its body, or between requests.
func (s *frontScan) pastHead() bool { return s.fresh || s.state > scanSection }

// lineEnd finds the LF ending the current line in b[i:]. It returns the
// index past the LF and the line's length without LF and whether its last
// byte is CR, or, without LF in b, adds b[i:] to the line and returns
// len(b) and ok false.
func (s *frontScan) lineEnd(b []byte, i int) (next, length int, cr, ok bool) {
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		s.line += len(b) - i
		s.cr = b[len(b)-1] == '\r'
		return len(b), s.line, s.cr, false
	}
	length, cr = s.line+j, s.cr
	if j > 0 {
		cr = b[i+j-1] == '\r'
	}
	s.line, s.cr = 0, false
	return i + j + 1, length, cr, true
}

// requestLine follows the request line and the empty lines a client may
// send before it (RFC 9112 §2.2).
func (s *frontScan) requestLine(b []byte, i int) (int, frontDoorFault) {
	next, n, cr, ok := s.lineEnd(b, i)
	limit := s.limits.MaxRequestLineBytes
	switch {
	case n > limit+1: // one byte over may be the CR; checked first, so that
		// the fault does not depend on where the reads split the line
		return next, fdRequestLineTooLong
	case !ok:
	case !cr:
		return next, fdRequestLineEnding
	case n-1 > limit:
		return next, fdRequestLineTooLong
	case n > 1:
		s.state, s.line = scanSection, 0
	}
	return next, fdOK
}

// headerSection gathers the header section and, at the empty line that
// ends it, checks it and follows the body its framing announces.
func (s *frontScan) headerSection(b []byte, i int) (int, frontDoorFault) {
	if s.section == nil {
		// A whole, clean section in this read is checked where it lies;
		// any other is gathered in a buffer.
		if f, body, end := frontDoorScan(b[i:]); f == fdOK && end >= 0 {
			if frontDoorSectionLen(b[i:i+end]) > s.limits.MaxHeaderBytes {
				return i, fdHeaderTooLarge
			}
			s.frame(body)
			return i + end, fdOK
		}
		s.section = sectionBuffers.Get().(*[]byte)
		*s.section = (*s.section)[:0]
	}
	for i < len(b) {
		next, n, cr, ok := s.lineEnd(b, i)
		*s.section = append(*s.section, b[i:next]...)
		i = next
		if ok && (n == 0 || n == 1 && cr) { // the empty line
			return i, s.endHead()
		}
	}
	// The section is incomplete here; the empty line that will end it
	// does not count, but its CR may already be in.
	if len(*s.section) > s.limits.MaxHeaderBytes+1 {
		s.release()
		return i, fdHeaderTooLarge
	}
	return i, fdOK
}

// endHead checks the complete header section and sets up the body.
func (s *frontScan) endHead() frontDoorFault {
	sec := *s.section
	defer s.release()
	if frontDoorSectionLen(sec) > s.limits.MaxHeaderBytes {
		return fdHeaderTooLarge
	}
	f, body, _ := frontDoorScan(sec)
	if f == fdOK {
		s.frame(body)
	}
	return f
}

// frame follows the body a head announces.
func (s *frontScan) frame(body msgBody) {
	switch {
	case body.chunked:
		s.chunk()
	case body.length > 0:
		s.state, s.remain = scanBody, body.length
	default:
		s.next()
	}
}

// release gives the section buffer back.
func (s *frontScan) release() {
	if s.section != nil {
		sectionBuffers.Put(s.section)
		s.section = nil
	}
}

// chunkSize follows a chunk-size line: 1 to 15 hex digits, then either
// optional whitespace or a chunk extension, then CRLF; fasthttp reads the
// same grammar. A zero size starts the trailer section.
func (s *frontScan) chunkSize(b []byte, i int) (int, frontDoorFault) {
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case s.cr && c != '\n', !s.cr && c == '\n':
			return i, fdChunkedBody
		case c == '\n':
			if s.digits == 0 {
				return i, fdChunkedBody
			}
			s.cr = false
			if s.size == 0 {
				s.state, s.trailer, s.line = scanTrailer, 0, 0
			} else {
				s.state, s.remain = scanChunkData, s.size
			}
			return i + 1, fdOK
		case c == '\r':
			s.cr = true
		case s.after == afterExtension:
		case c == ' ' || c == '\t':
			s.after = afterOWS
		case s.after == afterNothing && c == ';':
			s.after = afterExtension
		case s.after == afterNothing && h1.Unhex(c) >= 0:
			if s.digits == maxChunkSizeDigits {
				return i, fdChunkedBody
			}
			s.size = s.size<<4 | int64(h1.Unhex(c))
			s.digits++
		default:
			return i, fdChunkedBody
		}
	}
	return i, fdOK
}

// trailerSection follows the trailer section after the last chunk: field
// lines ended by CRLF, up to an empty line, at most MaxHeaderBytes.
func (s *frontScan) trailerSection(b []byte, i int) (int, frontDoorFault) {
	for i < len(b) {
		next, n, cr, ok := s.lineEnd(b, i)
		s.trailer += next - i
		i = next
		switch {
		case s.trailer > s.limits.MaxHeaderBytes+2:
			return i, fdChunkedBody
		case !ok:
		case !cr:
			return i, fdChunkedBody
		case n == 1:
			s.next()
			return i, fdOK
		}
	}
	return i, fdOK
}
