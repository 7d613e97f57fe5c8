// Package upstream holds the live state of backend nodes and the registry
// that keeps it across config reloads.
//
// A Node is the runtime half of a configured node: requests in flight,
// consecutive failures, the last error and health. Its identity is its
// address ("host:port"); the Registry hands out the same *Node for the same
// address in every snapshot, so state survives reloads. The static half
// (weight, priority) lives in the immutable snapshot built by core.
//
// Node fields are atomics, updated on the request path without locks. The
// Registry itself is control-plane only and takes a mutex.
package upstream
