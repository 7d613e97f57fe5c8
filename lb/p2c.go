package lb

import (
	"math/bits"
	"slices"
)

// P2C is the power of two choices on requests in flight (Mitzenmacher,
// "The Power of Two Choices in Randomized Load Balancing", IEEE TPDS 2001),
// an extension; APISIX has no such type. Pick draws two distinct usable
// targets at random, each in proportion to its weight as Random draws, and
// takes the one with the lower (InFlight()+1)/Weight, the first drawn on a
// tie. Under load, requests in flight settle in proportion to weight.
//
// Because the two candidates are distinct, a target strictly more loaded
// than every other usable target of its group is never picked while
// another is usable. A group with one usable target returns it.
//
// Slow start divides a ramping target's score by its ramp factor: the
// weight compared is weight*f/1000. Draws ignore the ramp.
//
// Targets are grouped by Priority, highest first, as in Random; unusable
// targets are skipped as in Random. Pick is O(1) while most of the
// group's weight is usable, reads only atomics and math/rand/v2's top-level
// generator, and allocates nothing. Targets with weight <= 0 are never
// picked.
type P2C struct {
	targets []Target
	groups  []randomGroup // highest priority first
	slow    ramp
}

var _ Balancer = (*P2C)(nil)

// NewP2C builds a power-of-two-choices balancer over targets, on the same
// terms as NewRandom.
func NewP2C(targets []Target, opts Options) *P2C {
	return &P2C{targets: slices.Clone(targets), groups: newRandomGroups(targets), slow: newRamp(opts.SlowStart)}
}

// Pick returns the less loaded of two targets drawn from the highest
// priority group that has a usable one.
func (p *P2C) Pick(info PickInfo) (int, bool) {
	now := p.slow.clock(info)
	rnd := newPickRand()
	for k := range p.groups {
		g := &p.groups[k]
		a, ok := g.pick(&rnd, p.targets, info, ramp{}, 0)
		if !ok {
			continue
		}
		ia := int(g.members[a])
		b, ok := p.drawOther(&rnd, g, a, info)
		if !ok {
			return ia, true
		}
		ib := int(g.members[b])
		ta, tb := &p.targets[ia], &p.targets[ib]
		wa := g.weights[a] * uint64(p.slow.factor(ta.Health, now))
		wb := g.weights[b] * uint64(p.slow.factor(tb.Health, now))
		if p2cLess(p2cLoad(tb), wb, p2cLoad(ta), wa) {
			return ib, true
		}
		return ia, true
	}
	return 0, false
}

// drawOther returns the position in g of a usable member other than a,
// drawn in proportion to weight among the members other than a, or
// ok=false when g has no such member. A draw takes the alias table's
// position; when that is a, it draws again over the group's total less a's
// weight, stepping over a's span of the prefix sums. Either way each other
// member comes up in proportion to its weight.
func (p *P2C) drawOther(rnd *pickRand, g *randomGroup, a int, info PickInfo) (int, bool) {
	rest := g.ends[len(g.ends)-1] - g.weights[a]
	if rest == 0 {
		return 0, false
	}
	aStart := g.ends[a] - g.weights[a]
	for range randomRedraws {
		m := g.alias.draw(rnd)
		if m == a {
			r := rnd.below(rest)
			if r >= aStart {
				r += g.weights[a]
			}
			m = prefixIndex(g.ends, r)
		}
		if usable(p.targets, int(g.members[m]), info) {
			return m, true
		}
	}
	return g.scan(rnd, p.targets, info, a)
}

// p2cLoad is the target's requests in flight, never below zero.
func p2cLoad(t *Target) uint64 { return uint64(max(t.Node.InFlight(), 0)) }

// p2cLess reports whether load (la+1)/wa is below (lb+1)/wb, compared as
// (la+1)*wb < (lb+1)*wa in 128 bits so no product overflows. Pick passes
// drawWeights times the ramp factor, below 1<<42. A weight of 0 (a ramp
// at 0%) loses to any positive one.
func p2cLess(la, wa, lb, wb uint64) bool {
	hiL, loL := bits.Mul64(la+1, wb)
	hiR, loR := bits.Mul64(lb+1, wa)
	return hiL < hiR || hiL == hiR && loL < loR
}
