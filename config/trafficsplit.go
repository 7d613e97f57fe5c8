package config

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/jetwayhq/jetway/expr"
)

// TrafficSplit is APISIX's traffic-split plugin: the first rule whose
// match holds sends the request to one of its weighted upstreams; with no
// rule matching, the route's own upstream serves it.
type TrafficSplit struct {
	Rules []SplitRule
	// Sticky (extension) assigns each user an arm by a stable hash of a
	// key, so raising a canary's weight only moves users onto it.
	Sticky *SplitSticky
	// TrustedAddrs (extension), when set, limits rules with a match (the
	// control headers that force an arm) to clients in these CIDRs.
	TrustedAddrs []string
	// Ramp (extension) moves the canary's weight through steps and rolls
	// it back when it misbehaves. Every rule then has two arms: the
	// canary (an upstream_id) and the stable one (weight only); their
	// written weights are replaced by the ramp's.
	Ramp *SplitRamp
}

// SplitRamp configures an automatic canary ramp.
type SplitRamp struct {
	Steps           []int   // canary weights in percent, ascending
	Interval        Seconds // one step per interval, at most
	MinRequests     int     // canary requests a step needs before it can advance
	MaxErrorRate    float64 // 5xx share that rolls the canary back
	MaxP99Ms        float64 // p99 latency (ms) that rolls it back
	CompareToStable bool    // the limits are margins over the stable arm's
}

// Ramp defaults.
const (
	DefaultRampInterval     = Seconds(60)
	DefaultRampMinRequests  = 200
	DefaultRampMaxErrorRate = 0.01
	DefaultRampMaxP99Ms     = 500
)

// SplitSticky names the key a user is recognized by: hash_on cookie or
// header with the name as key, or vars with a variable (arg_, http_,
// cookie_, remote_addr, ...), as chash upstreams take them.
type SplitSticky struct {
	HashOn string
	Key    string
}

// SplitRule is one rule of a TrafficSplit.
type SplitRule struct {
	// Match entries are ORed; a rule without any always matches.
	Match             []SplitMatch
	WeightedUpstreams []WeightedUpstream
}

// SplitMatch is one match entry: a lua-resty-expr rule (its expressions
// are ANDed).
type SplitMatch struct {
	Vars []any
}

// WeightedUpstream is one arm of a rule.
type WeightedUpstream struct {
	// UpstreamID names the arm's upstream; "" with no Upstream is the
	// route's own.
	UpstreamID string
	// Upstream is an inline upstream, with every upstream feature
	// (APISIX keeps only some of them here).
	Upstream *Upstream
	Weight   int
}

// Canary reports whether the arm names an upstream of its own rather
// than the route's.
func (w *WeightedUpstream) Canary() bool { return w.UpstreamID != "" || w.Upstream != nil }

// Traffic-split limits and defaults (APISIX plugin schema).
const (
	TrafficSplitName     = "traffic-split"
	DefaultSplitWeight   = 1
	maxSplitWeight       = 1000000
	maxWeightedUpstreams = 20
	minWeightedUpstreams = 1
)

// TrafficSplitOf returns the traffic-split plugin of plugins, nil when it
// has none. plugins must have passed validation.
func TrafficSplitOf(plugins map[string]any) (*TrafficSplit, error) {
	v, ok := plugins[TrafficSplitName]
	if !ok {
		return nil, nil
	}
	var errs pluginErrors
	ts := splitDecoder{bad: errs.add}.plugin(v, TrafficSplitName)
	return ts, errs.err()
}

// splitDecoder reads a traffic-split value. Invalid values go to bad;
// known, when set, says whether an upstream id exists.
type splitDecoder struct {
	bad   func(path, format string, args ...any)
	known func(id string) bool
}

// plugin reads the plugin's value v, found at path p.
func (d splitDecoder) plugin(v any, p string) *TrafficSplit {
	bad := d.bad
	m, ok := v.(map[string]any)
	if !ok {
		bad(p, "must be a mapping")
		return nil
	}
	ts := &TrafficSplit{}
	for _, k := range sortedKeys(m) {
		switch kp := field(p, k); k {
		case "rules":
			rules, ok := m[k].([]any)
			if !ok {
				bad(kp, "must be a list")
				continue
			}
			for i, r := range rules {
				ts.Rules = append(ts.Rules, d.rule(r, index(kp, i)))
			}
		case "sticky":
			ts.Sticky = d.sticky(m[k], kp)
		case "trusted_addrs":
			ts.TrustedAddrs = d.trusted(m[k], kp)
		case "ramp":
			ts.Ramp = d.ramp(m[k], kp)
		default:
			bad(kp, "unknown key")
		}
	}
	if ts.Ramp != nil {
		for i, r := range ts.Rules {
			canary, stable := 0, 0
			for _, w := range r.WeightedUpstreams {
				if w.Canary() {
					canary++
				} else {
					stable++
				}
			}
			if canary != 1 || stable != 1 {
				bad(field(index(field(p, "rules"), i), "weighted_upstreams"), "with ramp, a rule needs one canary arm (upstream_id or upstream) and one stable arm (weight only)")
			}
		}
	}
	return ts
}

func (d splitDecoder) rule(v any, p string) SplitRule {
	bad := d.bad
	var r SplitRule
	m, ok := v.(map[string]any)
	if !ok {
		bad(p, "must be a mapping")
		return r
	}
	for _, k := range sortedKeys(m) {
		kp := field(p, k)
		list, ok := m[k].([]any)
		switch {
		case k != "match" && k != "weighted_upstreams":
			bad(kp, "unknown key")
			continue
		case !ok:
			bad(kp, "must be a list")
			continue
		}
		for i, e := range list {
			ep := index(kp, i)
			if k == "match" {
				r.Match = append(r.Match, d.match(e, ep))
			} else {
				r.WeightedUpstreams = append(r.WeightedUpstreams, d.arm(e, ep))
			}
		}
	}
	if n := len(r.WeightedUpstreams); n < minWeightedUpstreams || n > maxWeightedUpstreams {
		bad(field(p, "weighted_upstreams"), "must hold %d to %d entries", minWeightedUpstreams, maxWeightedUpstreams)
	}
	return r
}

func (d splitDecoder) match(v any, p string) SplitMatch {
	bad := d.bad
	var sm SplitMatch
	m, ok := v.(map[string]any)
	if !ok {
		bad(p, "must be a mapping")
		return sm
	}
	for _, k := range sortedKeys(m) {
		kp := field(p, k)
		if k != "vars" {
			bad(kp, "unknown key")
			continue
		}
		vars, ok := m[k].([]any)
		if !ok {
			bad(kp, "must be a list")
			continue
		}
		sm.Vars = vars
		if _, err := expr.Compile(vars); err != nil {
			var e *expr.Error
			if errors.As(err, &e) {
				bad(kp+e.Path, "%s", e.Msg)
			} else {
				bad(kp, "%v", err)
			}
		}
	}
	return sm
}

func (d splitDecoder) arm(v any, p string) WeightedUpstream {
	bad := d.bad
	w := WeightedUpstream{Weight: DefaultSplitWeight}
	m, ok := v.(map[string]any)
	if !ok {
		bad(p, "must be a mapping")
		return w
	}
	if _, id := m["upstream_id"]; id {
		if _, inline := m["upstream"]; inline {
			bad(p, "upstream and upstream_id exclude each other")
		}
	}
	for _, k := range sortedKeys(m) {
		kp := field(p, k)
		switch k {
		case "upstream_id":
			s, ok := m[k].(string)
			switch {
			case !ok || s == "":
				bad(kp, "must be a non-empty string")
			case d.known != nil && !d.known(s):
				bad(kp, "upstream %q not found", s)
			}
			w.UpstreamID = s
		case "weight":
			n, ok := m[k].(int)
			if !ok || n < 0 || n > maxSplitWeight {
				bad(kp, "must be an integer 0..%d", maxSplitWeight)
			}
			w.Weight = n
		case "upstream":
			u, ok := m[k].(*Upstream)
			if !ok {
				bad(kp, "must be a mapping")
			}
			w.Upstream = u
		default:
			bad(kp, "unknown key")
		}
	}
	return w
}

// stickyHashOns are the hash_on values sticky takes.
var stickyHashOns = []string{"cookie", "header", "vars"}

func (d splitDecoder) sticky(v any, p string) *SplitSticky {
	m, ok := v.(map[string]any)
	if !ok {
		d.bad(p, "must be a mapping")
		return nil
	}
	st := &SplitSticky{}
	for _, k := range sortedKeys(m) {
		kp := field(p, k)
		s, ok := m[k].(string)
		switch {
		case k != "hash_on" && k != "key":
			d.bad(kp, "unknown key")
		case !ok || s == "":
			d.bad(kp, "must be a non-empty string")
		case k == "hash_on":
			st.HashOn = s
		default:
			st.Key = s
		}
	}
	switch {
	case st.HashOn == "" || st.Key == "":
		d.bad(p, "hash_on and key are required")
	case !slices.Contains(stickyHashOns, st.HashOn):
		d.bad(field(p, "hash_on"), "must be one of %s (got %s)", strings.Join(stickyHashOns, ", "), clip(st.HashOn))
	default:
		if msg := hashKeyProblem(st.HashOn, st.Key); msg != "" {
			d.bad(field(p, "key"), "%s", msg)
		}
	}
	return st
}

func (d splitDecoder) trusted(v any, p string) []string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		d.bad(p, "must be a non-empty list of IPs or CIDRs")
		return nil
	}
	var out []string
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			d.bad(index(p, i), "must be an IP or a CIDR")
			continue
		}
		if msg := remoteAddrProblem(s); msg != "" {
			d.bad(index(p, i), "%s", msg)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d splitDecoder) ramp(v any, p string) *SplitRamp {
	m, ok := v.(map[string]any)
	if !ok {
		d.bad(p, "must be a mapping")
		return nil
	}
	rp := &SplitRamp{Interval: DefaultRampInterval, MinRequests: DefaultRampMinRequests, MaxErrorRate: DefaultRampMaxErrorRate, MaxP99Ms: DefaultRampMaxP99Ms}
	number := func(kp string, v any, min, max float64) float64 {
		var f float64
		switch n := v.(type) {
		case int:
			f = float64(n)
		case float64:
			f = n
		default:
			f = math.NaN()
		}
		if !(f >= min && f <= max) {
			d.bad(kp, "must be a number %g..%g", min, max)
		}
		return f
	}
	for _, k := range sortedKeys(m) {
		kp := field(p, k)
		switch val := m[k]; k {
		case "steps":
			list, ok := val.([]any)
			if !ok || len(list) == 0 {
				d.bad(kp, "must be a non-empty list of percentages")
				continue
			}
			for i, e := range list {
				n, ok := e.(int)
				if !ok || n < 0 || n > 100 || (i > 0 && n <= rp.Steps[i-1]) {
					d.bad(index(kp, i), "must be an integer 0..100, above the step before")
				}
				rp.Steps = append(rp.Steps, n)
			}
		case "interval":
			rp.Interval = Seconds(number(kp, val, 1, 86400))
		case "min_requests":
			rp.MinRequests = int(number(kp, val, 0, 1e9))
		case "max_error_rate":
			rp.MaxErrorRate = number(kp, val, 0, 1)
		case "max_p99_ms":
			rp.MaxP99Ms = number(kp, val, 1, 3.6e6)
		case "compare_to_stable":
			b, ok := val.(bool)
			if !ok {
				d.bad(kp, "must be true or false")
			}
			rp.CompareToStable = b
		default:
			d.bad(kp, "unknown key")
		}
	}
	if rp.Steps == nil {
		if _, given := m["steps"]; !given {
			d.bad(field(p, "steps"), "required")
		}
	}
	return rp
}

// eachArmUpstream calls fn with every inline upstream of the traffic-split
// arms in plugins, found at path p (a route or service).
func eachArmUpstream(plugins map[string]any, p string, fn func(u *Upstream, path string)) {
	ts, _ := plugins[TrafficSplitName].(map[string]any)
	rules, _ := ts["rules"].([]any)
	for i, r := range rules {
		rm, _ := r.(map[string]any)
		arms, _ := rm["weighted_upstreams"].([]any)
		for j, a := range arms {
			am, _ := a.(map[string]any)
			if u, ok := am["upstream"].(*Upstream); ok && u != nil {
				fn(u, field(index(field(index(field(field(field(p, "plugins"), TrafficSplitName), "rules"), i), "weighted_upstreams"), j), "upstream"))
			}
		}
	}
}
