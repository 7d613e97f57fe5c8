package lb

import "github.com/jetwayhq/jetway/upstream"

// Target is one node of an upstream as the balancer sees it: the live state
// plus the static weight and priority from config.
type Target struct {
	Node     *upstream.Node
	Weight   int
	Priority int
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
}

// Balancer chooses a target for a request. Implementations are immutable
// after construction and safe for concurrent use.
type Balancer interface {
	// Pick returns the index into the Target slice the balancer was built
	// from, or ok=false when no target is available and untried.
	Pick(info PickInfo) (i int, ok bool)
}

// usable reports whether target i may be picked for this request.
func usable(t []Target, i int, info PickInfo) bool {
	return t[i].Weight > 0 && t[i].Node.Available() && !info.Tried.Has(i)
}
