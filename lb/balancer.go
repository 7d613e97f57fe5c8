package lb

import "github.com/jetwayhq/jetway/upstream"

// Target is one node of an upstream as the balancer sees it: the live
// load, the live health, and the static weight and priority from config.
type Target struct {
	Node *upstream.Node
	// Health is the node's health under the upstream's checks; nil when
	// nothing checks it: always available, never ramping.
	Health   *upstream.Health
	Weight   int
	Priority int
}

// Options are a balancer's settings beyond its targets. The zero value
// balances on weight alone.
type Options struct {
	// HashBalanceFactor is chash's bounded-load factor in percent (125: no
	// target above 1.25 times the average load); below 100 there is no
	// bound. Other types ignore it.
	HashBalanceFactor int
	// SlowStart ramps up nodes that just became available; it acts only
	// on picks whose PickInfo.Now is set.
	SlowStart SlowStart
}

// PickInfo is what a balancer may know about the request being placed.
type PickInfo struct {
	// Tried holds the targets already tried by this request; Pick must not
	// return any of them.
	Tried *Tried
	// Hash is the request's hash key (HashKey of the configured key) for
	// the chash balancer; HasHash is false when the request had no key.
	Hash    uint64
	HasHash bool
	// Panic ignores health: every untried target with a positive weight is
	// usable, priority still applies. The caller sets it when too few
	// nodes are healthy (Envoy healthy_panic_threshold).
	Panic bool
	// Now is the time in UnixNano for slow start; 0 ramps nothing.
	Now int64
	// Nanotime is a recent reading of upstream.Nanotime the caller
	// already has, for balancers that need a coarse clock (chash's cached
	// load cap); 0 makes them read the clock, which costs 30-40 ns on a
	// VM. The proxy passes 0: it reads no clock before the pick.
	Nanotime int64
}

// Balancer chooses a target for a request. Implementations are immutable
// after construction and safe for concurrent use.
type Balancer interface {
	// Pick returns the index into the Target slice the balancer was built
	// from, or ok=false when no target is usable.
	Pick(info PickInfo) (i int, ok bool)
}

// usable reports whether target i, a member of a priority group, may be
// picked for this request: available (or info.Panic) and not tried. It is
// the one eligibility predicate every balancer uses. Weights need no check:
// priorityGroups leaves targets with weight <= 0 out of every group. Pick
// calls it once per candidate, so it must stay within the inlining budget
// (go build -gcflags=-m).
func usable(t []Target, i int, info PickInfo) bool {
	return (info.Panic || t[i].Health.Available()) && !info.Tried.Has(i)
}
