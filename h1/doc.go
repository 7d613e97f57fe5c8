// Package h1 holds the pieces of HTTP/1.1 syntax (RFC 9110, RFC 9112)
// that more than one of Jetway's parsers reads with: the client-side front
// door in core and the health checker's response parser in hc. Every
// function is pure, allocation-free and byte-oriented.
package h1
