package config

import (
	"fmt"
	"strings"
)

// Health check limits (APISIX health_checker schema).
const (
	minCheckCount = 1
	maxCheckCount = 254
	minStatus     = 200
	maxStatus     = 599
)

var (
	checkTypes   = []string{"http", "https", "tcp"}
	probeMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
)

// checks validates an upstream's health checks at p.
// Passive checks work alone: an ejected node comes back when its ejection
// time passes, so active probes are optional (APISIX requires them).
func (v *validator) checks(c *Checks, p string) {
	if c.Active == nil && c.Passive == nil {
		v.errf(p, "needs active or passive (or both)")
	}
	if c.Active != nil {
		v.active(c.Active, field(p, "active"))
	}
	if c.Passive != nil {
		v.passive(c.Passive, field(p, "passive"))
	}
	v.between(field(p, "healthy_panic_threshold"), c.HealthyPanicThreshold, 0, 100)
}

// slowStart validates an upstream's slow start at p.
func (v *validator) slowStart(s *SlowStart, p string) {
	v.positive(field(p, "window"), s.Window)
	v.between(field(p, "min_weight_percent"), s.MinWeightPercent, 1, 100)
}

func (v *validator) active(a *ActiveCheck, p string) {
	v.oneOf(field(p, "type"), a.Type, checkTypes...)
	v.positive(field(p, "timeout"), a.Timeout)
	if a.Concurrency < 1 {
		v.errf(field(p, "concurrency"), "must be >= 1")
	}
	if hp := field(p, "host"); v.c.given(hp, a.Host == "") && !validNodeHost(unbracket(a.Host)) {
		v.errf(hp, "%s is not a valid host name or IP address", clip(a.Host))
	}
	if pp := field(p, "port"); v.c.given(pp, a.Port == 0) {
		v.between(pp, a.Port, 1, maxPort)
	}
	if !strings.HasPrefix(a.HTTPPath, "/") || hasSpace(a.HTTPPath) {
		v.errf(field(p, "http_path"), "must start with \"/\" and hold no spaces")
	}
	v.oneOf(field(p, "http_method"), a.HTTPMethod, probeMethods...)
	v.list(field(p, "req_headers"), a.ReqHeaders, true, reqHeaderProblem)

	if h := a.Healthy; h != nil {
		hp := field(p, "healthy")
		v.interval(field(hp, "interval"), h.Interval)
		v.statuses(field(hp, "http_statuses"), h.HTTPStatuses)
		v.count(field(hp, "successes"), h.Successes)
	}
	if u := a.Unhealthy; u != nil {
		up := field(p, "unhealthy")
		v.interval(field(up, "interval"), u.Interval)
		v.statuses(field(up, "http_statuses"), u.HTTPStatuses)
		v.count(field(up, "http_failures"), u.HTTPFailures)
		v.count(field(up, "tcp_failures"), u.TCPFailures)
		v.count(field(up, "timeouts"), u.Timeouts)
	}
}

func (v *validator) passive(ps *PassiveCheck, p string) {
	v.oneOf(field(p, "type"), ps.Type, checkTypes...)
	if h := ps.Healthy; h != nil {
		hp := field(p, "healthy")
		v.statuses(field(hp, "http_statuses"), h.HTTPStatuses)
		v.count(field(hp, "successes"), h.Successes)
	}
	if u := ps.Unhealthy; u != nil {
		up := field(p, "unhealthy")
		v.statuses(field(up, "http_statuses"), u.HTTPStatuses)
		v.count(field(up, "http_failures"), u.HTTPFailures)
		v.count(field(up, "tcp_failures"), u.TCPFailures)
		v.count(field(up, "timeouts"), u.Timeouts)
	}
	v.between(field(p, "max_ejection_percent"), ps.MaxEjectionPercent, 0, 100)
	v.positive(field(p, "base_ejection_time"), ps.BaseEjectionTime)
	if ps.MaxEjectionTime < ps.BaseEjectionTime {
		v.errf(field(p, "max_ejection_time"), "must be >= base_ejection_time (%g)", float64(ps.BaseEjectionTime))
	}
}

// interval checks a probe interval in whole seconds.
func (v *validator) interval(path string, n int) {
	if n < 1 {
		v.errf(path, "must be >= 1")
	}
}

// count checks a success, failure or timeout threshold.
func (v *validator) count(path string, n int) {
	v.between(path, n, minCheckCount, maxCheckCount)
}

// statuses checks a list of HTTP status codes: non-empty, each 200..599,
// no repeats.
func (v *validator) statuses(path string, codes []int) {
	if len(codes) == 0 {
		v.errf(path, "must not be empty")
	}
	seen := make(map[int]bool, len(codes))
	for i, code := range codes {
		ip := index(path, i)
		switch {
		case code < minStatus || code > maxStatus:
			v.errf(ip, "must be %d..%d", minStatus, maxStatus)
		case seen[code]:
			v.errf(ip, "duplicate status %d", code)
		}
		seen[code] = true
	}
}

// reqHeaderProblem checks a probe header written "Name: value".
func reqHeaderProblem(s string) string {
	name, value, ok := strings.Cut(s, ":")
	if !ok || !isToken(name) || strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Sprintf("%s must be written \"Name: value\"", clip(s))
	}
	return ""
}
