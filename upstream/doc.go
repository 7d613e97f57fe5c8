// Package upstream holds the live state of backend nodes, kept outside the
// snapshot so that it survives config reloads.
//
// A Node is the load on one backend address, shared by every upstream that
// lists it: requests in flight, the latency estimate, the last error. The
// Registry hands out the same *Node for the same address in every
// snapshot.
//
// A Health is the health of one node under one health-check spec: down
// reasons (failed probes, passive ejection), the consecutive counters,
// ejection state and the slow-start clock. Upstreams with identical checks
// share a node's Health, so it is probed once; upstreams with different
// checks judge the node separately, as APISIX, Envoy and HAProxy do per
// upstream. A Group is one upstream's view of its members' health, for the
// panic threshold and the ejection cap. Package hc owns and changes
// Healths; balancers read them.
//
// Fields are atomics, updated on the request path without locks. The
// Registry itself is control-plane only and takes a mutex.
package upstream
