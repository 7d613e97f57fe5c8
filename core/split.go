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
}

// legFor is the leg that serves a request: an arm of the first
// traffic-split rule that matches, else the route's own upstream.
func (rt *routeRT) legFor(ctx *fasthttp.RequestCtx, remote netip.Addr) leg {
	for i := range rt.split {
		r := &rt.split[i]
		if !r.matches(ctx, remote) {
			continue
		}
		if k := r.seq.Next(); k >= 0 {
			return r.arms[k]
		}
		break
	}
	return leg{up: rt.up, timeouts: rt.timeouts}
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
		for k, w := range r.WeightedUpstreams {
			weights[k] = w.Weight
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
		rt.split = append(rt.split, sr)
	}
	return nil
}
