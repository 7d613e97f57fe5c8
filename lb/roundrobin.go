package lb

import (
	"slices"
	"sync/atomic"
)

// RoundRobin is smooth weighted round robin, the sequence of nginx's
// ngx_http_upstream_round_robin, made lock-free: one cycle of the sequence
// is computed at construction and every Pick takes the next position from a
// shared atomic counter. While every target of a group is usable, any
// window of sum(weights) consecutive picks from the group, across all
// goroutines, chooses each of its targets exactly weight times.
//
// A target that is down or already tried passes its turn forward: Pick
// takes the first usable entry after it in the cycle, so its share goes to
// the targets that follow its entries.
//
// Targets are grouped by Priority, highest first (APISIX: a higher priority
// is served first). Each group has its own cycle and counter; Pick serves
// the highest group that has a usable target (available or under Panic,
// and not tried).
//
// Slow start: when the target the walk finds is ramping with factor f
// (permille), it keeps the pick with probability f/1000; otherwise its turn
// is spent and Pick walks again from the group's next position, so over
// many picks its share follows weight*f. After rampTries refusals Pick
// takes the first target it found.
//
// Weights within a group are divided by their greatest common divisor. When
// they still sum beyond tableLimit they are scaled down proportionally,
// every weight staying at least 1 (see cycleWeights), and the exactness
// above holds for the scaled weights; a group of more than tableLimit
// targets gets weight 1 each. Targets with weight <= 0 are never picked.
type RoundRobin struct {
	targets []Target
	groups  []rrGroup // highest priority first
	slow    ramp
}

var _ Balancer = (*RoundRobin)(nil)

// rrGroup is one priority level. Everything but the counter is read-only
// after construction.
type rrGroup struct {
	table   []int32 // target index at each position of one cycle
	members []int32 // target indexes in the group, in config order
	starts  []int32 // member k's positions are at[starts[k]:starts[k+1]]
	at      []int32 // positions of each member in table, ascending
	next    *rrCounter
}

// rrCounter is the position of a group's next pick. It sits alone on its
// cache lines: every Pick writes it, and it must not invalidate the
// read-only fields other cores are reading.
type rrCounter struct {
	_ [64]byte
	n atomic.Uint64
	_ [56]byte
}

// rrProbe is how many table entries Pick checks one by one when the entry
// at its position is not usable, before it looks up the next entry of every
// usable member instead.
const rrProbe = 8

// NewRoundRobin builds a round-robin balancer over targets with
// opts.SlowStart. Every target with a positive weight must have a non-nil
// Node. The balancer keeps its own copy of the slice; Pick returns indexes
// into it.
func NewRoundRobin(targets []Target, opts Options) *RoundRobin {
	r := &RoundRobin{targets: slices.Clone(targets), slow: newRamp(opts.SlowStart)}

	for _, members := range priorityGroups(targets) {
		r.groups = append(r.groups, newRRGroup(targets, members))
	}
	return r
}

// newRRGroup builds the cycle of one priority group; members are target
// indexes in config order, all with positive weights.
func newRRGroup(targets []Target, members []int32) rrGroup {
	w := make([]int, len(members))
	for k, i := range members {
		w[k] = targets[i].Weight
	}
	w = cycleWeights(w, tableLimit)
	seq := smoothSequence(w)

	g := rrGroup{
		table:   make([]int32, len(seq)),
		members: slices.Clone(members),
		starts:  make([]int32, len(members)+1),
		at:      make([]int32, len(seq)),
		next:    new(rrCounter),
	}
	for k, x := range w {
		g.starts[k+1] = g.starts[k] + int32(x)
	}
	fill := slices.Clone(g.starts[:len(members)])
	for pos, k := range seq {
		g.table[pos] = members[k]
		g.at[fill[k]] = int32(pos)
		fill[k]++
	}
	return g
}

// Pick returns the target at the next position of the highest priority
// group, or the first usable one after it in that group's cycle. A group
// with no usable target passes to the next group.
func (r *RoundRobin) Pick(info PickInfo) (int, bool) {
	now := r.slow.clock(info)
	for k := range r.groups {
		g := &r.groups[k]
		i, ok := r.pickIn(g, info)
		if !ok {
			continue
		}
		if now != 0 {
			i = r.ramped(g, i, info, now)
		}
		return i, true
	}
	return 0, false
}

// ramped applies slow start to i, the usable target pickIn found in g: a
// ramping target keeps the pick with probability factor/1000; otherwise
// its turn is spent and pickIn walks on from g's next position. After
// rampTries refusals it returns the first target found.
func (r *RoundRobin) ramped(g *rrGroup, i int, info PickInfo, now int64) int {
	first := i
	for try := 1; ; try++ {
		if rampAccept(r.slow.factor(r.targets[i].Health, now)) {
			return i
		}
		if try == rampTries {
			return first
		}
		var ok bool
		if i, ok = r.pickIn(g, info); !ok {
			return first
		}
	}
}

// pickIn returns the first usable target in g's cycle, starting at the
// position taken from g's counter and walking forward at most one cycle.
func (r *RoundRobin) pickIn(g *rrGroup, info PickInfo) (int, bool) {
	n := uint64(len(g.table))
	pos := (g.next.n.Add(1) - 1) % n
	probe := min(n, rrProbe)
	for step := uint64(0); step < probe; step++ {
		p := pos + step
		if p >= n {
			p -= n
		}
		if i := int(g.table[p]); usable(r.targets, i, info) {
			return i, true
		}
	}
	if probe == n {
		return 0, false
	}
	start := pos + probe
	if start >= n {
		start -= n
	}
	return r.nearest(g, int32(start), info)
}

// nearest finishes the walk of pickIn without visiting every entry: the
// first usable entry at or after start is the usable member whose next
// position is closest. It costs O(members * log(weight)) however long the
// runs of unusable entries are.
func (r *RoundRobin) nearest(g *rrGroup, start int32, info PickInfo) (int, bool) {
	n := int32(len(g.table))
	best, bestDist := 0, n
	for k, i := range g.members {
		if !usable(r.targets, int(i), info) {
			continue
		}
		if d := forwardDistance(g.at[g.starts[k]:g.starts[k+1]], start, n); d < bestDist {
			best, bestDist = int(i), d
		}
	}
	return best, bestDist < n
}

// forwardDistance is how many steps forward from start, in a cycle of n
// positions, the first of the ascending positions at lies: 0 when start is
// in at, and at[0]+n-start when every position is before start. at must
// not be empty.
func forwardDistance(at []int32, start, n int32) int32 {
	lo, hi := 0, len(at)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if at[mid] < start {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(at) {
		return at[lo] - start
	}
	return at[0] + n - start
}
