// Package hc keeps nodes' health: active probes (http, https, tcp), passive
// checks counted on the request path, outlier ejection with backoff, and
// the bookkeeping that keeps all of it across config reloads.
//
// State lives in upstream.Health values keyed by node address and check
// spec; package lb reads them on every pick. A Checker probes the nodes of
// one active spec with one scheduler goroutine and a fixed pool of probe
// workers (the spec's concurrency), however many nodes it has. The Manager
// owns the Healths and the Checkers and reconciles both with each new
// snapshot.
package hc
