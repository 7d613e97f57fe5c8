// Command relayfloor measures what a keep-alive HTTP/1.1 relay written in Go
// costs when it does nothing else: the floor under any Go proxy of a given
// I/O design. bench/compare.sh runs it beside nginx, HAProxy and Jetway
// (targets floor-parked, floor-blocking, floor-goroutine) so the CPU a
// design needs can be told from the CPU its features need.
//
// It relays GET requests without a body to its backends in turn, adding
// X-Forwarded-For and X-Real-IP, and relays answers with a Content-Length,
// replacing Date; Connection and Keep-Alive are dropped both ways. Anything
// else is refused and the connection closed: another method or a body
// gets 501, a version other than HTTP/1.1 505, a head over 16 KiB 431; an
// answer without a Content-Length, or a backend that fails, closes the
// client's connection (502 if nothing was sent yet). It
// has no timeouts, routing, retries or health: it is a measuring stick,
// not a proxy.
//
// Three designs (-mode):
//
//   - parked: one event loop on an epoll set, its sockets non-blocking and
//     read and written with raw recvfrom and sendto. When the set has no
//     event the loop parks in the Go runtime's poller, which watches the
//     epoll descriptor itself, so no system call ever blocks holding the
//     loop's thread.
//   - blocking: the same loop, but it waits in a blocking epoll_pwait. The
//     runtime's monitor then takes the processor away from the blocked
//     thread after 20 µs and wakes often, which costs CPU.
//   - goroutine: a goroutine per client connection on net.Conn, the
//     runtime's poller parking each one, as fasthttp and net/http do.
//
// Usage:
//
//	relayfloor -listen 127.0.0.1:9090 -mode parked 127.0.0.1:9001 127.0.0.1:9002
package main
