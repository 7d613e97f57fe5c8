package config

import (
	"errors"
	"fmt"

	"github.com/jetwayhq/jetway/expr"
)

// TrafficSplit is APISIX's traffic-split plugin: the first rule whose
// match holds sends the request to one of its weighted upstreams; with no
// rule matching, the route's own upstream serves it.
type TrafficSplit struct {
	Rules []SplitRule
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
	// UpstreamID names the arm's upstream; "" is the route's own.
	UpstreamID string
	Weight     int
}

// Traffic-split limits and defaults (APISIX plugin schema).
const (
	TrafficSplitName        = "traffic-split"
	DefaultSplitWeight      = 1
	maxWeightedUpstreams    = 20
	minWeightedUpstreams    = 1
	trafficSplitUnsupported = "not supported yet"
)

// TrafficSplitOf returns the traffic-split plugin of plugins, nil when it
// has none. plugins must have passed validation.
func TrafficSplitOf(plugins map[string]any) (*TrafficSplit, error) {
	v, ok := plugins[TrafficSplitName]
	if !ok {
		return nil, nil
	}
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	ts := splitDecoder{bad: bad, unsupported: bad}.plugin(v, TrafficSplitName)
	return ts, errors.Join(errs...)
}

// splitDecoder reads a traffic-split value. Invalid values go to bad,
// fields Jetway does not run yet to unsupported; known, when set, says
// whether an upstream id exists.
type splitDecoder struct {
	bad, unsupported func(path, format string, args ...any)
	known            func(id string) bool
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
		case "sticky", "ramp":
			d.unsupported(kp, "%s", trafficSplitUnsupported)
		default:
			bad(kp, "unknown key")
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
			if !ok || n < 0 {
				bad(kp, "must be an integer >= 0")
			}
			w.Weight = n
		case "upstream":
			d.unsupported(kp, "an inline upstream in weighted_upstreams is %s; use upstream_id", trafficSplitUnsupported)
		default:
			bad(kp, "unknown key")
		}
	}
	return w
}
