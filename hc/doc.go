// Package hc keeps nodes' health: active probes (http, https, tcp), passive
// checks counted on the request path, outlier ejection with backoff, and
// the bookkeeping that keeps all of it across config reloads.
//
// State lives in upstream.Health values keyed by node address and check
// spec; package lb reads them on every pick. A Checker probes the nodes of
// one active spec, however many nodes it has, with a fixed number of
// goroutines. On Linux an http or tcp Checker is one event-loop goroutine
// that owns an epoll set and a kept connection per node (http), parses
// answers with a small incremental HTTP/1.x response parser, connects and
// resets on a reused socket (tcp), and hands nodes named by host (they
// need DNS) to a worker pool. https Checkers, and all Checkers elsewhere,
// are a scheduler goroutine and a pool of spec.Concurrency workers. spec.Concurrency bounds the probes in flight
// that open a connection; the Checker doc has the details. The Manager
// owns the Healths and the Checkers and reconciles both with each new
// snapshot.
//
// A Checker's Report and Healthy callbacks run on its goroutines, under
// its lock: they must not block nor call the Checker.
package hc
