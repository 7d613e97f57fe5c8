package core

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jetwayhq/jetway/canary"
	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/expr"
)

// leg is where one request goes: an upstream and the timeouts that apply,
// and, under a canary ramp, which arm's statistics the answer counts in.
type leg struct {
	up       *upstreamRT
	timeouts timeouts
	ramp     *canary.Ramp
	arm      int
}

// observe counts the request's answer in the ramp's statistics.
func (lg *leg) observe(failed bool, since time.Time) {
	if lg.ramp != nil {
		lg.ramp.Observe(lg.arm, failed, time.Since(since))
	}
}

// split is a route's traffic-split: the decision (package canary) and
// the leg of each rule's arms.
type split struct {
	choice *canary.Split
	legs   [][]leg // by rule, then arm
	// sticky extracts the user key; nil without sticky.
	sticky *hashSpec
}

// splitRamp is a snapshot's link to a route's ramp: apply sets the
// canary weight in the route's split.
type splitRamp struct {
	route    string
	ramp     *canary.Ramp
	apply    func(canary int)
	interval time.Duration
}

// legFor is the leg that serves a request: an arm of the first
// traffic-split rule it falls under, else the route's own upstream.
// scratch is the request's scratch buffer, for the sticky key.
func (rt *routeRT) legFor(ctx *fasthttp.RequestCtx, remote netip.Addr, scratch *[]byte) leg {
	sp := rt.split
	if sp == nil {
		return leg{up: rt.up, timeouts: rt.timeouts}
	}
	if i, ok := sp.choice.Rule(ctx, remote); ok {
		var key []byte
		if sp.sticky != nil {
			key, *scratch = sp.sticky.key(ctx, remote, *scratch)
		}
		if k := sp.choice.Arm(i, key); k >= 0 {
			return sp.legs[i][k]
		}
	}
	return leg{up: rt.up, timeouts: rt.timeouts}
}

// split builds rt's traffic-split from ts, the plugin of owner ("route:ID"
// or "service:ID"). An arm without an upstream_id or an inline upstream is
// the route's own upstream; a route timeout applies to every arm, else
// each arm takes its upstream's.
func (b *builder) split(rt *routeRT, ts *config.TrafficSplit, owner string, routeTimeout bool) error {
	sp := &split{}
	if st := ts.Sticky; st != nil {
		h, err := newHashSpec(st.HashOn, st.Key)
		if err != nil {
			return fmt.Errorf("traffic-split sticky: %w", err)
		}
		sp.sticky = h
	}
	var trusted []netip.Prefix
	for _, a := range ts.TrustedAddrs {
		p, err := parsePrefix(a)
		if err != nil {
			return fmt.Errorf("traffic-split trusted_addrs: %w", err)
		}
		trusted = append(trusted, routerUnmapPrefix(p))
	}
	rules := make([]canary.Rule, len(ts.Rules))
	for i, r := range ts.Rules {
		for j, m := range r.Match {
			e, err := expr.Compile(m.Vars)
			if err != nil {
				return fmt.Errorf("traffic-split rules[%d].match[%d].vars: %w", i, j, err)
			}
			rules[i].Match = append(rules[i].Match, e)
		}
		var legs []leg
		for k, w := range r.WeightedUpstreams {
			rules[i].Weights = append(rules[i].Weights, w.Weight)
			up := rt.up
			switch {
			case w.Upstream != nil:
				var err error
				if up, err = b.inlineUpstream(fmt.Sprintf("%s:split:%d:%d", owner, i, k), w.Upstream); err != nil {
					return fmt.Errorf("traffic-split rules[%d].weighted_upstreams[%d].upstream: %w", i, k, err)
				}
			case w.UpstreamID != "":
				if up = b.snap.upstreams[w.UpstreamID]; up == nil {
					return fmt.Errorf("traffic-split rules[%d].weighted_upstreams[%d]: upstream %q not found", i, k, w.UpstreamID)
				}
			}
			lg := leg{up: up, timeouts: up.timeouts}
			if routeTimeout {
				lg.timeouts = rt.timeouts
			}
			legs = append(legs, lg)
		}
		sp.legs = append(sp.legs, legs)
	}
	sp.choice = canary.New(rules, trusted)
	rt.split = sp
	if ts.Ramp != nil {
		b.ramp(rt, sp, ts)
	}
	return nil
}

// ramp links rt's split to its ramp: the ramp sets each rule's canary
// weight (and the stable arm's, 100 minus it), and the legs count their
// answers in the ramp's statistics.
func (b *builder) ramp(rt *routeRT, sp *split, ts *config.TrafficSplit) {
	key := rampKey(rt.id, ts)
	r := b.g.ramps.get(key, ts.Ramp, time.Unix(0, b.now))
	canaryArm := make([]int, len(ts.Rules))
	for i, rule := range ts.Rules {
		for k, w := range rule.WeightedUpstreams {
			lg := &sp.legs[i][k]
			lg.ramp, lg.arm = r, canary.StableArm
			if w.Canary() {
				lg.arm, canaryArm[i] = canary.CanaryArm, k
			}
		}
	}
	choice := sp.choice
	apply := func(w int) {
		for i, c := range canaryArm {
			weights := []int{100 - w, 100 - w}
			weights[c] = w
			choice.SetWeights(i, weights)
		}
	}
	// The split starts at the ramp's weight, not the written one, so no
	// request sees the written weights between publication and Attach.
	apply(r.View().Weight)
	b.snap.ramps[key] = splitRamp{route: rt.id, ramp: r, interval: ts.Ramp.Interval.Duration(), apply: apply}
}
