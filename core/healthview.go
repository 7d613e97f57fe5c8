package core

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jetwayhq/jetway/upstream"
)

// UpstreamHealth is one checked upstream as the Control API shows it: the
// shape of APISIX's /v1/healthcheck, plus Jetway's panic state.
type UpstreamHealth struct {
	// Name is "upstreams/ID", "routes/ID" or "services/ID" for inline
	// upstreams.
	Name  string       `json:"name"`
	Type  string       `json:"type"`
	Nodes []NodeHealth `json:"nodes"`
	// Panic is set while too few nodes are healthy and picks ignore
	// health (healthy_panic_threshold).
	Panic                 bool `json:"panic"`
	HealthyPanicThreshold int  `json:"healthy_panic_threshold"`
	Healthy               int  `json:"healthy"`
	Total                 int  `json:"total"`
}

// NodeHealth is one node of an UpstreamHealth.
type NodeHealth struct {
	IP       string  `json:"ip"`
	Port     int     `json:"port"`
	Hostname string  `json:"hostname"`
	Status   string  `json:"status"` // healthy, unhealthy, mostly_healthy, mostly_unhealthy
	Counter  Counter `json:"counter"`

	// Jetway extensions.
	Weight          int        `json:"weight"`
	SlowStartWeight float64    `json:"slow_start_weight"`
	Ejected         bool       `json:"ejected"`
	EjectedUntil    *time.Time `json:"ejected_until,omitempty"`
	Ejections       int32      `json:"ejections"`
	ProbeDown       bool       `json:"probe_down"`
	LastProbe       *ProbeView `json:"last_probe,omitempty"`
}

// Counter holds a node's consecutive counters (lua-resty-healthcheck's).
type Counter struct {
	Success        uint32 `json:"success"`
	HTTPFailure    uint32 `json:"http_failure"`
	TCPFailure     uint32 `json:"tcp_failure"`
	TimeoutFailure uint32 `json:"timeout_failure"`
}

// ProbeView is the last active probe of a node.
type ProbeView struct {
	At     time.Time `json:"at"`
	Result string    `json:"result"` // the counter it fed: success, http_failure, ...
	Status int       `json:"status,omitempty"`
	Err    string    `json:"err,omitempty"`
}

// Health returns every upstream that has health checks, in config order.
func (g *Gateway) Health() []UpstreamHealth {
	s := g.snap.Load()
	if s == nil {
		return nil
	}
	now := g.hc.Clock().Now().UnixNano()
	out := []UpstreamHealth{}
	for _, rt := range s.all {
		if rt.checks != nil {
			out = append(out, rt.health(now))
		}
	}
	return out
}

// UpstreamHealthByName returns the checked upstream called name (see
// UpstreamHealth.Name).
func (g *Gateway) UpstreamHealthByName(name string) (UpstreamHealth, bool) {
	for _, u := range g.Health() {
		if u.Name == name {
			return u, true
		}
	}
	return UpstreamHealth{}, false
}

// controlName maps an upstream id to its Control API name.
func controlName(id string) string {
	if rest, ok := strings.CutPrefix(id, "route:"); ok {
		return "routes/" + rest
	}
	if rest, ok := strings.CutPrefix(id, "service:"); ok {
		return "services/" + rest
	}
	return "upstreams/" + id
}

func (rt *upstreamRT) health(now int64) UpstreamHealth {
	c := rt.checks
	u := UpstreamHealth{
		Name:                  controlName(rt.id),
		Panic:                 rt.group.Panic(),
		HealthyPanicThreshold: c.HealthyPanicThreshold,
		Total:                 len(rt.group.Members()),
	}
	u.Healthy = u.Total - rt.group.Down()
	switch {
	case c.Active != nil:
		u.Type = c.Active.Type
	case c.Passive != nil:
		u.Type = c.Passive.Type
	}
	for i, t := range rt.targets {
		h := t.Health
		host, portStr, _ := net.SplitHostPort(h.Addr())
		port, _ := strconv.Atoi(portStr)
		cs := h.Counters()
		state := h.State()
		n := NodeHealth{
			IP:       host,
			Port:     port,
			Hostname: host,
			Status:   healthStatus(state, cs),
			Counter: Counter{
				Success:        cs[upstream.Successes],
				HTTPFailure:    cs[upstream.HTTPFailures],
				TCPFailure:     cs[upstream.TCPFailures],
				TimeoutFailure: cs[upstream.TimeoutFailures],
			},
			Weight:          t.Weight,
			SlowStartWeight: rt.rampedWeight(i, now),
			Ejected:         state&upstream.Ejected != 0,
			Ejections:       h.Ejections(),
			ProbeDown:       state&upstream.ProbeDown != 0,
		}
		if until := h.EjectedUntil(); until != 0 {
			t := time.Unix(0, until).UTC()
			n.EjectedUntil = &t
		}
		if p := h.LastProbe(); p != nil {
			n.LastProbe = &ProbeView{At: p.At.UTC(), Result: p.Counter.String(), Status: p.Status, Err: p.Err}
		}
		u.Nodes = append(u.Nodes, n)
	}
	return u
}

// healthStatus words a node's state as APISIX does: healthy or unhealthy,
// "mostly" when the counters lean the other way.
func healthStatus(state uint32, cs [4]uint32) string {
	failures := cs[upstream.HTTPFailures] + cs[upstream.TCPFailures] + cs[upstream.TimeoutFailures]
	switch {
	case state == 0 && failures > 0:
		return "mostly_healthy"
	case state == 0:
		return "healthy"
	case cs[upstream.Successes] > 0:
		return "mostly_unhealthy"
	}
	return "unhealthy"
}

// rampedWeight is target i's weight as slow start scales it at now.
func (rt *upstreamRT) rampedWeight(i int, now int64) float64 {
	t := rt.targets[i]
	return float64(t.Weight) * float64(rt.ramp.Factor(t.Health, now)) / 1000
}
