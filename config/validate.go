package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Validate checks a configuration whose defaults are applied against the
// APISIX schema rules and Jetway's own limits. It returns nil or an Errors
// holding every problem, in source order.
func Validate(c *Config) error {
	p := &problems{c: c}
	validate(c, p)
	return p.result()
}

// validate reports every problem of c to p.
func validate(c *Config, p *problems) {
	v := &validator{c: c, p: p}
	v.gateway()
	v.upstreamIDs = v.ids("upstreams", len(c.Upstreams), func(i int) string { return c.Upstreams[i].ID })
	v.serviceIDs = v.ids("services", len(c.Services), func(i int) string { return c.Services[i].ID })
	v.ids("routes", len(c.Routes), func(i int) string { return c.Routes[i].ID })
	for i := range c.Upstreams {
		v.upstream(&c.Upstreams[i], index("upstreams", i), false)
	}
	for i := range c.Services {
		v.service(&c.Services[i], index("services", i))
	}
	for i := range c.Routes {
		v.route(&c.Routes[i], index("routes", i))
	}
}

// validator holds what checks across resources need.
type validator struct {
	c           *Config
	p           *problems
	upstreamIDs map[string]int // id → index in c.Upstreams
	serviceIDs  map[string]int // id → index in c.Services
}

func (v *validator) errf(path, format string, args ...any) {
	v.p.invalid(path, format, args...)
}

// ids checks the ids of one kind of resource: required, well formed and
// unique. It returns the index of each id.
func (v *validator) ids(kind string, n int, id func(int) string) map[string]int {
	seen := make(map[string]int, n)
	for i := range n {
		p := field(index(kind, i), "id")
		s := id(i)
		if !v.id(p, s, true) {
			continue
		}
		if first, dup := seen[s]; dup {
			v.errf(p, "duplicate id %q (also %s[%d])", s, kind, first)
			continue
		}
		seen[s] = i
	}
	return seen
}

// id checks one id field and reports whether it is set and well formed.
func (v *validator) id(path, s string, required bool) bool {
	switch {
	case s == "" && !v.c.has(path):
		if required {
			v.errf(path, "required")
		}
		return false
	case !validID(s):
		v.errf(path, "must be 1..%d characters of a-z, A-Z, 0-9, '-', '_' or '.'", maxIDLen)
		return false
	}
	return true
}

// meta checks the name, desc and labels every resource has.
func (v *validator) meta(p, name, desc string, labels map[string]string) {
	if np := field(p, "name"); v.c.given(np, name == "") && (name == "" || len(name) > maxNameLen) {
		v.errf(np, "must be 1..%d characters", maxNameLen)
	}
	if len(desc) > maxDescLen {
		v.errf(field(p, "desc"), "must be at most %d characters", maxDescLen)
	}
	lp := field(p, "labels")
	if len(labels) > maxLabels {
		v.errf(lp, "must have at most %d labels", maxLabels)
	}
	for _, k := range sortedKeys(labels) {
		val := labels[k]
		if val == "" || len(val) > maxLabelValueLen || hasSpace(val) {
			v.errf(field(lp, k), "must be 1..%d characters without spaces", maxLabelValueLen)
		}
	}
}

// oneOf checks s against an enum and reports whether it is a member.
func (v *validator) oneOf(path, s string, allowed ...string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	v.errf(path, "must be one of %s (got %s)", strings.Join(allowed, ", "), clip(s))
	return false
}

// list checks a list field: non-empty when written, each item valid and
// unique. check returns "" for a good item or what is wrong with it.
func (v *validator) list(path string, items []string, nonEmpty bool, check func(string) string) {
	if nonEmpty && len(items) == 0 && v.c.has(path) {
		v.errf(path, "must not be empty")
	}
	seen := make(map[string]int, len(items))
	for i, s := range items {
		ip := index(path, i)
		if msg := check(s); msg != "" {
			v.errf(ip, "%s", msg)
			continue
		}
		if first, dup := seen[s]; dup {
			v.errf(ip, "duplicate %s (also [%d])", clip(s), first)
			continue
		}
		seen[s] = i
	}
}

// exclusive reports a and b written together at p.
func (v *validator) exclusive(p string, aSet, bSet bool, a, b string) bool {
	if aSet && bSet {
		v.errf(p, "%s and %s are mutually exclusive", a, b)
		return false
	}
	return true
}

// positive checks a duration that must be > 0.
func (v *validator) positive(path string, s Seconds) {
	if s <= 0 {
		v.errf(path, "must be > 0")
	}
}

// between checks an integer range.
func (v *validator) between(path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.errf(path, "must be %d..%d", lo, hi)
	}
}

// matchHost checks a host a route or service matches.
func matchHost(s string) string {
	if !validMatchHost(s) {
		return fmt.Sprintf("%s is not a valid host (a host name, optionally starting with \"*.\", or an IP address)", clip(s))
	}
	return ""
}

// sortedKeys returns the keys of m in order, so problems come out in a
// stable order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
