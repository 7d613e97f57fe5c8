package main

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/jetwayhq/jetway/h1"
)

// maxHead bounds a request or response head.
const maxHead = 16 << 10

var (
	crlf   = []byte("\r\n")
	crlf2  = []byte("\r\n\r\n")
	http11 = []byte("HTTP/1.1")
)

// headEnd returns the length of the head at the start of b, or -1 while
// it is incomplete.
func headEnd(b []byte) int {
	if i := bytes.Index(b, crlf2); i >= 0 {
		return i + len(crlf2)
	}
	return -1
}

// fields calls f for each field line of a head (its start line skipped),
// with the name and the trimmed value; f returns false to drop the line.
// It returns dst with the kept lines appended.
func fields(dst, head []byte, f func(name, value []byte) bool) []byte {
	rest := head[bytes.Index(head, crlf)+len(crlf) : len(head)-len(crlf)]
	for len(rest) > 0 {
		line := rest[:bytes.Index(rest, crlf)+len(crlf)]
		rest = rest[len(line):]
		name, value, ok := bytes.Cut(line[:len(line)-len(crlf)], []byte(":"))
		if !ok || f(name, h1.TrimOWS(value)) {
			dst = append(dst, line...)
		}
	}
	return dst
}

// hop reports the hop-by-hop fields the relay drops.
func hop(name []byte) bool {
	return h1.EqualFold(name, "connection") || h1.EqualFold(name, "keep-alive")
}

// request is the upstream request for a client request head, with the
// client's address (peer) added. A status other than 0 refuses it.
type request struct {
	closeAfter bool // the client asked to close after this answer
	status     int
}

// appendRequest appends the upstream form of head to dst.
func appendRequest(dst, head, peer []byte) ([]byte, request) {
	var r request
	line := head[:bytes.Index(head, crlf)]
	switch {
	case !bytes.HasSuffix(line, http11) || bytes.Count(line, []byte(" ")) != 2:
		return dst, request{status: http.StatusHTTPVersionNotSupported}
	case !bytes.HasPrefix(line, []byte("GET ")):
		return dst, request{status: http.StatusNotImplemented}
	}
	dst = append(dst, head[:len(line)+len(crlf)]...)
	dst = fields(dst, head, func(name, value []byte) bool {
		switch {
		case h1.EqualFold(name, "content-length"):
			if n, ok := h1.ParseContentLength(value); !ok || n > 0 {
				r.status = http.StatusNotImplemented
			}
		case h1.EqualFold(name, "transfer-encoding"):
			r.status = http.StatusNotImplemented
		case h1.EqualFold(name, "connection"):
			r.closeAfter = r.closeAfter || h1.EqualFold(value, "close")
		}
		return !hop(name)
	})
	dst = append(dst, "X-Forwarded-For: "...)
	dst = append(dst, peer...)
	dst = append(dst, "\r\nX-Real-IP: "...)
	dst = append(dst, peer...)
	dst = append(dst, "\r\n\r\n"...)
	return dst, r
}

// response is what the relay needs of an answer's head.
type response struct {
	bodyLen int64 // -1: none given
	upClose bool  // the backend will close the connection
}

// appendResponse appends the client's form of a backend answer head to
// dst: Date replaced by date, Connection: close when closeClient.
func appendResponse(dst, head, date []byte, closeClient bool) ([]byte, response) {
	r := response{bodyLen: -1}
	line := head[:bytes.Index(head, crlf)]
	dst = append(dst, head[:len(line)+len(crlf)]...)
	dst = fields(dst, head, func(name, value []byte) bool {
		switch {
		case h1.EqualFold(name, "content-length"):
			if n, ok := h1.ParseContentLength(value); ok {
				r.bodyLen = n
			}
		case h1.EqualFold(name, "connection"):
			r.upClose = r.upClose || h1.EqualFold(value, "close")
		case h1.EqualFold(name, "date"):
			return false
		}
		return !hop(name)
	})
	dst = append(dst, date...)
	if closeClient {
		dst = append(dst, "Connection: close\r\n"...)
	}
	return append(dst, crlf...), r
}

// appendRefusal appends a bodiless answer with status and Connection: close.
func appendRefusal(dst []byte, status int) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(status)...)
	return append(dst, "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"...)
}

// dateLine is the Date field for now, with its line end.
func dateLine(now time.Time) []byte {
	return []byte("Date: " + now.UTC().Format(http.TimeFormat) + "\r\n")
}
