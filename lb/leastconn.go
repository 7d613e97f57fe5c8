package lb

import (
	"math/bits"
	"slices"
)

// LeastConn sends each request to the usable target with the fewest
// requests in flight for its weight: the lowest (InFlight+1)/Weight, as
// APISIX's least_conn and nginx's ngx_http_upstream_least_conn score it.
// InFlight counts requests through this whole process (Node.Begin/End),
// not only those this balancer placed, so it holds across config reloads.
// Scores are compared by cross-multiplication, never as floats.
//
// Slow start divides a ramping target's score by its ramp factor f
// (permille): the weight compared is weight*f/1000, so under load its
// requests in flight settle in proportion to weight*f.
//
// Targets are grouped by Priority, highest first; Pick serves the highest
// group that has a usable target.
//
// A group of up to lcExactLimit targets is scanned in full. The scan starts
// at a position taken from the group's atomic counter, and the first of
// equal scores wins, so ties rotate over the tied targets.
//
// A larger group uses the power of two choices (Mitzenmacher, "The Power of
// Two Choices in Randomized Load Balancing", 2001; Envoy's least request
// balancer): two distinct usable targets drawn at random, the lower score
// wins. Pick then costs O(1) however large the group, and loads stay within
// O(log log n) of each other rather than the O(log n / log log n) of a
// single random choice. Weights then tilt each comparison instead of
// setting exact shares.
type LeastConn struct {
	targets []Target
	groups  []lcGroup // highest priority first
	slow    ramp
}

var _ Balancer = (*LeastConn)(nil)

// lcExactLimit is the largest group LeastConn scans in full.
const lcExactLimit = 64

// lcGroup is one priority level: members are target indexes in config
// order; next is where the next full scan starts.
type lcGroup struct {
	members []int32
	next    *rrCounter
}

// NewLeastConn builds a least-connections balancer over targets with
// opts.SlowStart. Every target with a positive weight must have a non-nil
// Node. The balancer keeps its own copy of the slice; Pick returns indexes
// into it.
func NewLeastConn(targets []Target, opts Options) *LeastConn {
	l := &LeastConn{targets: slices.Clone(targets), slow: newRamp(opts.SlowStart)}
	for _, members := range priorityGroups(targets) {
		l.groups = append(l.groups, lcGroup{members: members, next: new(rrCounter)})
	}
	return l
}

// Pick returns the usable target with the lowest (InFlight+1)/Weight in the
// highest priority group that has one.
func (l *LeastConn) Pick(info PickInfo) (int, bool) {
	now := l.slow.clock(info)
	for k := range l.groups {
		g := &l.groups[k]
		if len(g.members) <= lcExactLimit {
			if i, ok := l.scan(g, info, now); ok {
				return i, true
			}
			continue
		}
		a, b, found := drawTwo(l.targets, g.members, info)
		switch found {
		case 1:
			return a, true
		case 2:
			if lessLoad(l.load(b), l.weight(b), l.factor(b, now), l.load(a), l.weight(a), l.factor(a, now)) {
				return b, true
			}
			return a, true
		}
	}
	return 0, false
}

// scan compares every usable member of g, starting at the position taken
// from g's counter.
func (l *LeastConn) scan(g *lcGroup, info PickInfo, now int64) (int, bool) {
	n := uint64(len(g.members))
	p := (g.next.n.Add(1) - 1) % n
	best, bestLoad, bestWeight, bestFactor := -1, uint64(0), uint64(0), uint64(0)
	for range n {
		i := int(g.members[p])
		if p++; p == n {
			p = 0
		}
		if !usable(l.targets, i, info) {
			continue
		}
		ld, w, f := l.load(i), l.weight(i), l.factor(i, now)
		if best < 0 || lessLoad(ld, w, f, bestLoad, bestWeight, bestFactor) {
			best, bestLoad, bestWeight, bestFactor = i, ld, w, f
		}
	}
	return best, best >= 0
}

// load is target i's requests in flight plus one: the request being placed.
func (l *LeastConn) load(i int) uint64 {
	return uint64(max(l.targets[i].Node.InFlight(), 0)) + 1
}

func (l *LeastConn) weight(i int) uint64 { return uint64(l.targets[i].Weight) }

// factor is target i's ramp factor at now, in permille.
func (l *LeastConn) factor(i int, now int64) uint64 {
	return uint64(l.slow.factor(l.targets[i].Health, now))
}

// lessLoad reports whether load a on weight wa ramped to fa is below load b
// on wb ramped to fb: a/(wa*fa) < b/(wb*fb), compared as a*wb*fb <
// b*wa*fa in 192 bits so that no product overflows. Weights are positive;
// a factor of 0 loses to any positive one.
func lessLoad(a, wa, fa, b, wb, fb uint64) bool {
	l2, l1, l0 := mul3(a, wb, fb)
	r2, r1, r0 := mul3(b, wa, fa)
	if l2 != r2 {
		return l2 < r2
	}
	if l1 != r1 {
		return l1 < r1
	}
	return l0 < r0
}

// mul3 returns x*y*z as three 64-bit words, high first.
func mul3(x, y, z uint64) (hi, mid, lo uint64) {
	h, l := bits.Mul64(x, y)
	c1, lo := bits.Mul64(l, z)
	c2, m := bits.Mul64(h, z)
	mid, carry := bits.Add64(m, c1, 0)
	return c2 + carry, mid, lo
}

// p2cDraws is how many uniform draws drawUsable makes before it walks
// forward from the last one.
const p2cDraws = 4

// drawTwo draws the candidates of a power-of-two-choices pick among
// members: two distinct usable targets, each uniform among the usable ones
// while uniform draws find them. It returns their target indexes and how
// many it found: 2, or 1 when only one member is usable, or 0.
func drawTwo(ts []Target, members []int32, info PickInfo) (a, b, found int) {
	rnd := newPickRand()
	pa, ok := drawUsable(&rnd, ts, members, info, -1)
	if !ok {
		return 0, 0, 0
	}
	a = int(members[pa])
	pb, ok := drawUsable(&rnd, ts, members, info, pa)
	if !ok {
		return a, 0, 1
	}
	return a, int(members[pb]), 2
}

// drawUsable returns the position in members of a usable target other than
// position skip (-1: none). It draws up to p2cDraws positions uniformly;
// when all of them are unusable (many targets down or tried) it walks
// forward from the last draw, so it finds a usable target whenever one
// exists, in O(len(members)) at worst.
func drawUsable(rnd *pickRand, ts []Target, members []int32, info PickInfo, skip int) (int, bool) {
	n := len(members)
	m := n
	if skip >= 0 {
		m--
	}
	if m <= 0 {
		return 0, false
	}
	p := 0
	for range p2cDraws {
		p = rnd.intn(m)
		if skip >= 0 && p >= skip {
			p++
		}
		if usable(ts, int(members[p]), info) {
			return p, true
		}
	}
	for range n - 1 {
		if p++; p == n {
			p = 0
		}
		if p != skip && usable(ts, int(members[p]), info) {
			return p, true
		}
	}
	return 0, false
}
