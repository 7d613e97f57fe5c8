// Package lb holds the load balancers: immutable pickers over a node list.
//
// The control plane builds a Balancer from a []Target and Options every
// time the node set of an upstream changes; the request path only calls
// Pick. Pick never blocks, takes no lock and does not allocate.
//
// A Target carries two live halves: its upstream.Node (requests in flight,
// latency), which load-aware balancers read, and its upstream.Health,
// owned by the health checkers. Health.Available is the one health
// predicate: a target is usable when its weight is positive, it is
// available and this request has not tried it. A nil Health is always
// available.
//
// PickInfo.Panic tells Pick to ignore health (Envoy's panic threshold): all
// positive-weight untried targets are usable, by priority as usual.
//
// Slow start (Options.SlowStart, acting when PickInfo.Now is set) scales a
// target that became available less than a window ago, by a factor from
// MinPercent to 100% over the window: load-comparing balancers divide its
// score by the factor, roundrobin and random keep it with that
// probability, chash lets it take that share of its keys. The ramp never
// makes Pick say none while a target is usable.
//
// The package does no I/O, so its benchmarks measure only the algorithm.
package lb
