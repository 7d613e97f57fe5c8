// Package core is Jetway's engine: it builds an immutable Snapshot (router,
// upstreams, balancers) from a validated config, publishes it with one
// atomic.Pointer store, and serves HTTP through it.
//
// Ownership: the control plane (Apply) builds and swaps snapshots and is
// serialized by a mutex; the data plane (the fasthttp handler) loads the
// snapshot once per request and never takes a lock of ours. Live node state
// lives in an upstream.Registry outside the snapshot, so it survives every
// reload; per-node fasthttp.HostClients (the keep-alive pools) are kept in
// the same way, keyed by address and client settings.
//
// A request that started on a snapshot finishes on it, whatever reloads
// happen meanwhile.
//
// Under the loop engine (evloop_linux.go), event loops accept the client
// connections and serve simple requests themselves (loopserve_linux.go);
// the fasthttp server serves the connections they hand over.
package core
