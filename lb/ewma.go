package lb

import (
	"slices"

	"github.com/jetwayhq/jetway/upstream"
)

// EWMA sends each request to the target expected to answer soonest: the
// lowest cost LatencyEWMA × (InFlight+1) / Weight, where LatencyEWMA is the
// node's peak-EWMA latency (upstream.Node.ObserveLatency). The two
// candidates' estimates are compared decayed to the later of their sample
// times (upstream.LatencyPair), which orders them as decaying both to now
// would, without reading the clock. The cost is
// Finagle's and linkerd's peak-EWMA load, divided by weight as APISIX's
// ewma balancer does.
//
// Targets are grouped by Priority, highest first; Pick serves the highest
// group that has a usable target. Within a group Pick draws two distinct
// usable targets at random and takes the cheaper one (power of two choices,
// as APISIX's ewma balancer and Finagle's P2C balancers do), so Pick is
// O(1) at any group size and a slow node still gets the occasional request
// that shows when it recovers. When the group has two usable targets or
// fewer, both are compared, in random order so that ties split evenly.
//
// A node that never answered has no estimate; it is costed at the other
// candidate's latency, so the comparison falls to requests in flight and
// weight. A new node thus gets traffic at once, but no more in flight than
// the nodes it is compared with, until its first answer gives it its own
// estimate. Two such nodes compare by in-flight and weight alone.
//
// Slow start divides a ramping target's cost by its ramp factor f
// (permille): the weight compared is weight*f/1000.
type EWMA struct {
	targets []Target
	groups  [][]int32 // target indexes, highest priority first
	slow    ramp
}

var _ Balancer = (*EWMA)(nil)

// NewEWMA builds a peak-EWMA balancer over targets with opts.SlowStart.
// Every target with a positive weight must have a non-nil Node. The
// balancer keeps its own copy of the slice; Pick returns indexes into it.
func NewEWMA(targets []Target, opts Options) *EWMA {
	return &EWMA{targets: slices.Clone(targets), groups: priorityGroups(targets), slow: newRamp(opts.SlowStart)}
}

// Pick returns the cheaper of two usable targets drawn from the highest
// priority group that has one.
func (e *EWMA) Pick(info PickInfo) (int, bool) {
	ramped := e.slow.clock(info)
	for _, members := range e.groups {
		a, b, found := drawTwo(e.targets, members, info)
		switch found {
		case 1:
			return a, true
		case 2:
			ta, tb := &e.targets[a], &e.targets[b]
			la, lb := upstream.LatencyPair(ta.Node, tb.Node)
			if cheaper(
				lb, tb.Node.InFlight(), rampedWeight(tb.Weight, e.slow.factor(tb.Health, ramped)),
				la, ta.Node.InFlight(), rampedWeight(ta.Weight, e.slow.factor(ta.Health, ramped)),
			) {
				return b, true
			}
			return a, true
		}
	}
	return 0, false
}

// rampedWeight is weight times ramp factor f: the weight cheaper compares,
// in thousandths.
func rampedWeight(weight int, f int64) float64 { return float64(weight) * float64(f) }

// cheaper reports whether target a costs less than target b, given each
// one's latency estimate (ns, 0 when it has none), requests in flight and
// weight (rampedWeight, 0 for a ramp at 0%): la*(ina+1)/wa <
// lb*(inb+1)/wb, compared as la*(ina+1)*wb < lb*(inb+1)*wa. A missing
// estimate takes the other's; when both are missing, in-flight and weight
// decide.
func cheaper(la float64, ina int64, wa float64, lb float64, inb int64, wb float64) bool {
	switch {
	case la == 0 && lb == 0:
		la, lb = 1, 1
	case la == 0:
		la = lb
	case lb == 0:
		lb = la
	}
	ca := la * float64(max(ina, 0)+1) * wb
	cb := lb * float64(max(inb, 0)+1) * wa
	return ca < cb
}
