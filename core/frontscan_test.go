package core

import (
	"strings"
	"testing"
)

// scanPieces feeds stream to a fresh scanner in pieces cut at cuts. It
// returns the fault, how many bytes the scanner passed in all, and whether
// it ended between messages.
func scanPieces(stream string, cuts ...int) (frontDoorFault, int, bool) {
	s := newFrontScan(frontDoorLimits{})
	passed, prev := 0, 0
	for _, c := range append(cuts, len(stream)) {
		ok, f := s.scan([]byte(stream[prev:c]))
		passed += ok
		if f != fdOK {
			return f, passed, false
		}
		prev = c
	}
	return fdOK, passed, s.fresh && s.state == scanRequestLine
}

// scanGood is a pipelined stream of valid requests, with bodies holding
// bytes that would be faults in a head.
var scanGood = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" +
	"POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\nGET /x HTTP/1.1\n\n\n\n\n" +
	"POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
	"5\r\nab\ncd\r\n0a;name=\"v\"\r\n0123456789\r\n1 \t\r\n\n\r\n000\r\nX-Trailer: t\r\n\r\n" +
	"PUT /empty HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" +
	"POST /bare-end HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"

func TestFrontScanFollowsEveryCut(t *testing.T) {
	if f, n, between := scanPieces(scanGood); f != fdOK || n != len(scanGood) || !between {
		t.Fatalf("whole stream: fault %d, passed %d of %d, between messages %v", f, n, len(scanGood), between)
	}
	for cut := 1; cut < len(scanGood); cut++ {
		if f, n, between := scanPieces(scanGood, cut); f != fdOK || n != len(scanGood) || !between {
			t.Fatalf("cut at %d: fault %d, passed %d of %d, between messages %v", cut, f, n, len(scanGood), between)
		}
	}
	cuts := make([]int, 0, len(scanGood))
	for i := 1; i < len(scanGood); i++ {
		cuts = append(cuts, i)
	}
	if f, n, between := scanPieces(scanGood, cuts...); f != fdOK || n != len(scanGood) || !between {
		t.Fatalf("byte by byte: fault %d, passed %d of %d, between messages %v", f, n, len(scanGood), between)
	}
}

func TestFrontScanFaults(t *testing.T) {
	const ok = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	const post = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, tc := range []struct {
		name  string
		bad   string // a message sent after ok
		fault frontDoorFault
	}{
		{"bare LF ends the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", fdRequestLineEnding},
		{"bare LF empty line before it", "\nGET / HTTP/1.1\r\n\r\n", fdRequestLineEnding},
		{"request line one byte over", "GET /" + strings.Repeat("l", frontDoorDefaultMaxRequestLineBytes-len("GET / HTTP/1.1")+1) + " HTTP/1.1\r\nHost: a\r\n\r\n", fdRequestLineTooLong},
		{"request line never ends", "GET /" + strings.Repeat("l", 3*frontDoorDefaultMaxRequestLineBytes), fdRequestLineTooLong},
		{"header section never ends", "GET / HTTP/1.1\r\nX: " + strings.Repeat("h", 2*frontDoorDefaultMaxHeaderBytes), fdHeaderTooLarge},
		{"header section one byte over", fdHead(64, frontDoorDefaultMaxHeaderBytes+1), fdHeaderTooLarge},
		{"bare LF ends a field line", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", fdLineEnding},
		{"bare LF empty line", "GET / HTTP/1.1\r\nHost: a\r\n\n", fdLineEnding},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", fdObsFold},
		{"two Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", fdDupContentLength},
		{"Content-Length and chunked", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", fdContentLengthAndTE},
		{"junk after chunk size", post + "3x\r\nabc\r\n0\r\n\r\n", fdChunkedBody},
		{"no chunk size", post + "\r\nabc\r\n0\r\n\r\n", fdChunkedBody},
		{"16 hex digits", post + "0000000000000001\r\na\r\n0\r\n\r\n", fdChunkedBody},
		{"whitespace then extension", post + "1 ;x\r\na\r\n0\r\n\r\n", fdChunkedBody},
		{"whitespace before the size", post + " 1\r\na\r\n0\r\n\r\n", fdChunkedBody},
		{"bare LF after chunk size", post + "1\na\r\n0\r\n\r\n", fdChunkedBody},
		{"bare LF in an extension", post + "1;a\nb\r\na\r\n0\r\n\r\n", fdChunkedBody},
		{"CR not followed by LF", post + "1\rxa\r\n0\r\n\r\n", fdChunkedBody},
		{"chunk data longer than its size", post + "1\r\nab\r\n0\r\n\r\n", fdChunkedBody},
		{"bare LF after chunk data", post + "1\r\na\n0\r\n\r\n", fdChunkedBody},
		{"bare LF in the trailer section", post + "0\r\nX: y\n\r\n", fdChunkedBody},
		{"trailer section too large", post + "0\r\nX: " + strings.Repeat("t", frontDoorDefaultMaxHeaderBytes), fdChunkedBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream := ok + tc.bad
			// Whole: fasthttp gets the good request and one byte of the
			// faulty one, never the end of its head.
			f, n, _ := scanPieces(stream)
			start := len(ok) + strings.IndexFunc(tc.bad, func(r rune) bool { return r != '\r' && r != '\n' })
			if f != tc.fault || n != start+1 {
				t.Fatalf("whole: fault %d after %d bytes; want %d after %d", f, n, tc.fault, start+1)
			}
			// Byte by byte: the same fault, and no more than that passes.
			cuts := make([]int, 0, len(stream))
			for i := 1; i < len(stream); i++ {
				cuts = append(cuts, i)
			}
			f, n, _ = scanPieces(stream, cuts...)
			if f != tc.fault || n > len(stream)-1 {
				t.Fatalf("byte by byte: fault %d after %d bytes; want %d", f, n, tc.fault)
			}
		})
	}
}

// FuzzFrontScan checks that how the stream is cut into reads changes
// nothing: the same fault, or the same state after the last byte, as the
// stream scanned whole. Small limits let the size faults be reached.
func FuzzFrontScan(f *testing.F) {
	f.Add([]byte(scanGood), uint64(0x9e3779b97f4a7c15))
	for _, tc := range fdCases {
		f.Add([]byte(tc.req), uint64(len(tc.req)))
	}
	l := frontDoorLimits{MaxHeaderBytes: 96, MaxRequestLineBytes: 48}
	f.Fuzz(func(t *testing.T, data []byte, cuts uint64) {
		whole := newFrontScan(l)
		_, want := whole.scan(data)
		pieces := newFrontScan(l)
		var got frontDoorFault
		for rest := data; len(rest) > 0 && got == fdOK; {
			n := 1 + int(cuts%7)
			cuts = cuts/7 ^ cuts<<13
			n = min(n, len(rest))
			_, got = pieces.scan(rest[:n])
			rest = rest[n:]
		}
		if got != want {
			t.Fatalf("cut into reads: fault %d; whole: %d", got, want)
		}
		if want == fdOK && (pieces.state != whole.state || pieces.fresh != whole.fresh || pieces.remain != whole.remain) {
			t.Fatalf("cut into reads: state %d fresh %v remain %d; whole: %d %v %d",
				pieces.state, pieces.fresh, pieces.remain, whole.state, whole.fresh, whole.remain)
		}
	})
}
