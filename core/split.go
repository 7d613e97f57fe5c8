package core

import (
	"fmt"
	"net/netip"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/expr"
	"github.com/jetwayhq/jetway/lb"
)

// leg is where one request goes: an upstream and the timeouts that apply.
type leg struct {
	up       *upstreamRT
	timeouts timeouts
}

// splitRule is one traffic-split rule as the request path uses it.
type splitRule struct {
	// match holds the ORed match entries; empty always matches.
	match []*expr.Expr
	arms  []leg
	// seq picks an arm: exact weighted shares, shared by the process.
	seq *lb.Sequence
	// ends[k] ends arm k's sticky buckets: arm k owns buckets
	// [ends[k-1], ends[k]) of stickyBuckets, in proportion to its weight.
	ends []uint32
}

// stickyBuckets is how many buckets sticky users hash into. Arms own
// consecutive ranges in config order, so when one arm's weight rises only
// users of the arms after it move, and only onto it or past it; with a
// stable and a canary arm, raising the canary only moves users onto it.
const stickyBuckets = 10000

// split is a route's traffic-split state.
type split struct {
	rules []splitRule
	// sticky extracts the user key; nil without sticky.
	sticky *hashSpec
	// trusted limits rules with a match to these clients; nil: anyone.
	trusted []netip.Prefix
}

// legFor is the leg that serves a request: an arm of the first
// traffic-split rule that matches, else the route's own upstream. A user
// with a sticky key gets the arm of its bucket, others the next of the
// rule's weighted sequence. scratch is the request's scratch buffer.
func (rt *routeRT) legFor(ctx *fasthttp.RequestCtx, remote netip.Addr, scratch *[]byte) leg {
	sp := rt.split
	if sp == nil {
		return leg{up: rt.up, timeouts: rt.timeouts}
	}
	trusted := sp.trusted == nil || routerContains(sp.trusted, remote)
	for i := range sp.rules {
		r := &sp.rules[i]
		if len(r.match) > 0 && (!trusted || !r.matches(ctx, remote)) {
			continue
		}
		if sp.sticky != nil {
			var key []byte
			key, *scratch = sp.sticky.key(ctx, remote, *scratch)
			if len(key) > 0 {
				if k := r.bucketArm(uint32(lb.HashKey(key) % stickyBuckets)); k >= 0 {
					return r.arms[k]
				}
			}
		}
		if k := r.seq.Next(); k >= 0 {
			return r.arms[k]
		}
		break
	}
	return leg{up: rt.up, timeouts: rt.timeouts}
}

// bucketArm is the arm owning bucket b, or -1 when every weight is 0.
func (r *splitRule) bucketArm(b uint32) int {
	for k, end := range r.ends {
		if b < end {
			return k
		}
	}
	return -1
}

func (r *splitRule) matches(ctx *fasthttp.RequestCtx, remote netip.Addr) bool {
	if len(r.match) == 0 {
		return true
	}
	for _, m := range r.match {
		if m.Eval(ctx, remote) {
			return true
		}
	}
	return false
}

// split builds rt's traffic-split rules from ts. An arm without an
// upstream_id is the route's own upstream; a route timeout applies to
// every arm, else each arm takes its upstream's.
func (b *builder) split(rt *routeRT, ts *config.TrafficSplit, routeTimeout bool) error {
	sp := &split{}
	if st := ts.Sticky; st != nil {
		h, err := newHashSpec(st.HashOn, st.Key)
		if err != nil {
			return fmt.Errorf("traffic-split sticky: %w", err)
		}
		sp.sticky = h
	}
	for _, a := range ts.TrustedAddrs {
		p, err := parsePrefix(a)
		if err != nil {
			return fmt.Errorf("traffic-split trusted_addrs: %w", err)
		}
		sp.trusted = append(sp.trusted, routerUnmapPrefix(p))
	}
	for i, r := range ts.Rules {
		sr := splitRule{}
		for j, m := range r.Match {
			e, err := expr.Compile(m.Vars)
			if err != nil {
				return fmt.Errorf("traffic-split rules[%d].match[%d].vars: %w", i, j, err)
			}
			sr.match = append(sr.match, e)
		}
		weights := make([]int, len(r.WeightedUpstreams))
		sum := 0
		for _, w := range r.WeightedUpstreams {
			sum += w.Weight
		}
		cum := 0
		for k, w := range r.WeightedUpstreams {
			weights[k] = w.Weight
			cum += w.Weight
			if sum > 0 {
				sr.ends = append(sr.ends, uint32(int64(cum)*stickyBuckets/int64(sum)))
			}
			up := rt.up
			if w.UpstreamID != "" {
				up = b.snap.upstreams[w.UpstreamID]
				if up == nil {
					return fmt.Errorf("traffic-split rules[%d].weighted_upstreams[%d]: upstream %q not found", i, k, w.UpstreamID)
				}
			}
			lg := leg{up: up, timeouts: up.timeouts}
			if routeTimeout {
				lg.timeouts = rt.timeouts
			}
			sr.arms = append(sr.arms, lg)
		}
		sr.seq = lb.NewSequence(weights)
		sp.rules = append(sp.rules, sr)
	}
	rt.split = sp
	return nil
}
