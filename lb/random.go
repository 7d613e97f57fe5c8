package lb

import (
	"math/bits"
	"slices"
)

// Random picks each target at random with probability proportional to its
// weight (an extension; APISIX has no such type). Weights are laid out as
// an alias table at construction (aliasTable), so a draw is O(1).
//
// Targets are grouped by Priority, highest first (APISIX: a higher priority
// is served first). Pick serves the highest group that has a usable target
// (see usable: available or under Panic, and not tried).
//
// A target that is down or already tried is skipped by drawing again, up to
// randomRedraws times; this rejection keeps the choice exactly proportional
// to weight among the usable targets. When every draw misses, Pick takes
// the first usable target at or after a uniformly random position of the
// group, so it says none only when no target is usable. On that path, rare
// while most of a group's weight is usable, the target after a run of
// unusable ones takes their share.
//
// Slow start: a drawn target that is ramping with factor f (permille) is
// kept with probability f/1000, else Pick draws again within the same
// randomRedraws, so its share follows weight*f. When every draw was
// usable but turned down, Pick takes the first one drawn; the scan ignores
// the ramp.
//
// Pick reads math/rand/v2's top-level generator, which is per-thread state
// in the runtime: no lock, no allocation. Targets with weight <= 0 are never
// picked.
type Random struct {
	targets []Target
	groups  []randomGroup // highest priority first
	slow    ramp
}

var _ Balancer = (*Random)(nil)

// randomGroup is one priority level of positive-weight targets. It is
// read-only after construction.
type randomGroup struct {
	members []int32  // target indexes, in config order
	weights []uint64 // weight of each member, as drawWeights scales it
	ends    []uint64 // ends[k] = weights[0] + ... + weights[k]
	alias   aliasTable
}

// randomRedraws bounds the draws Pick makes before it scans: with a
// fraction f of a group's weight unusable, it scans with probability f^8,
// under 0.4% while half the weight is usable.
const randomRedraws = 8

// maxDrawWeight bounds the weights drawWeights returns, so the total of a
// group of fewer than 1<<31 targets fits in 63 bits.
const maxDrawWeight = 1 << 32

// NewRandom builds a weighted random balancer over targets with
// opts.SlowStart. Every target with a positive weight must have a non-nil
// Node; there must be fewer than 1<<31 targets. The balancer keeps its own
// copy of the slice; Pick returns indexes into it.
func NewRandom(targets []Target, opts Options) *Random {
	return &Random{targets: slices.Clone(targets), groups: newRandomGroups(targets), slow: newRamp(opts.SlowStart)}
}

// newRandomGroups splits the positive-weight targets into priority groups,
// highest priority first, each in config order.
func newRandomGroups(targets []Target) []randomGroup {
	var groups []randomGroup
	for _, members := range priorityGroups(targets) {
		groups = append(groups, newRandomGroup(targets, members))
	}
	return groups
}

// newRandomGroup lays out the prefix sums of one group; members are target
// indexes with positive weights.
func newRandomGroup(targets []Target, members []int32) randomGroup {
	w := make([]int, len(members))
	for k, i := range members {
		w[k] = targets[i].Weight
	}
	g := randomGroup{
		members: slices.Clone(members),
		weights: drawWeights(w),
		ends:    make([]uint64, len(members)),
	}
	var sum uint64
	for k, x := range g.weights {
		sum += x
		g.ends[k] = sum
	}
	g.alias = newAliasTable(g.weights)
	return g
}

// drawWeights returns w, all positive, as unsigned weights below
// maxDrawWeight: when the largest is not below it, every weight is shifted
// right by the same amount, each staying at least 1.
func drawWeights(w []int) []uint64 {
	u := make([]uint64, len(w))
	var top uint64
	for k, x := range w {
		u[k] = uint64(x)
		top = max(top, u[k])
	}
	if top >= maxDrawWeight {
		shift := uint(bits.Len64(top) - bits.Len64(maxDrawWeight-1))
		for k := range u {
			u[k] = max(1, u[k]>>shift)
		}
	}
	return u
}

// prefixIndex returns the first k with r < ends[k], for ascending ends;
// len(ends) when r is not below the last. The search halves a window that
// holds the answer with a masked add rather than a branch, so a
// uniformly random r costs no mispredicted jumps (Khuong and Morin, "Array
// Layouts for Comparison-Based Searching", 2017).
func prefixIndex(ends []uint64, r uint64) int {
	n := len(ends)
	if n == 0 {
		return 0
	}
	// The answer lies in [base, base+n].
	base := 0
	for n > 1 {
		half := n >> 1
		// borrow is 1 when r < ends[base+half-1], else 0: advance by
		// half exactly when the answer lies past that entry.
		_, borrow := bits.Sub64(r, ends[base+half-1], 0)
		base += half & int(borrow-1)
		n -= half
	}
	if ends[base] <= r {
		base++
	}
	return base
}

// Pick returns a usable target of the highest priority group that has one,
// drawn in proportion to weight.
func (r *Random) Pick(info PickInfo) (int, bool) {
	now := r.slow.clock(info)
	rnd := newPickRand()
	for k := range r.groups {
		g := &r.groups[k]
		if m, ok := g.pick(&rnd, r.targets, info, r.slow, now); ok {
			return int(g.members[m]), true
		}
	}
	return 0, false
}

// pick returns the position in g of a usable member drawn in proportion to
// weight, times its ramp factor under slow (now from slow.clock; 0 ramps
// nothing), or ok=false when g has none.
func (g *randomGroup) pick(rnd *pickRand, targets []Target, info PickInfo, slow ramp, now int64) (int, bool) {
	first := -1
	for range randomRedraws {
		m := g.alias.draw(rnd)
		i := int(g.members[m])
		if !usable(targets, i, info) {
			continue
		}
		if now == 0 || rampAccept(slow.factor(targets[i].Health, now)) {
			return m, true
		}
		if first < 0 {
			first = m
		}
	}
	if first >= 0 {
		return first, true
	}
	return g.scan(rnd, targets, info, -1)
}

// scan returns the position of the first usable member of g other than
// skip, walking from a uniformly random position and wrapping once.
func (g *randomGroup) scan(rnd *pickRand, targets []Target, info PickInfo, skip int) (int, bool) {
	n := len(g.members)
	m := rnd.intn(n)
	for range n {
		if m != skip && usable(targets, int(g.members[m]), info) {
			return m, true
		}
		if m++; m == n {
			m = 0
		}
	}
	return 0, false
}
