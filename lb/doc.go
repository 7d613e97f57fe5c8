// Package lb holds the load balancers: immutable pickers over a node list.
//
// The control plane builds a Balancer from a []Target every time the node
// set of an upstream changes; the request path only calls Pick. Pick never
// blocks, takes no lock and does not allocate. It reads live node state
// through upstream.Node.Available, the one eligibility predicate.
//
// The package does no I/O, so its benchmarks measure only the algorithm.
package lb
