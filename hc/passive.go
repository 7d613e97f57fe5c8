package hc

import (
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// Passive applies one spec's checks.passive to live traffic. Observe runs
// on the request path: it counts with atomics and, only when a threshold
// is crossed, takes the ejection decision.
type Passive struct {
	spec *spec

	healthy, unhealthy statusSet
	successes          uint32
	limits             [4]uint32 // failure thresholds, indexed by upstream.Counter

	maxEjectionPercent int
	baseEjection       time.Duration
	maxEjection        time.Duration
}

func newPassive(s *spec, c *config.PassiveCheck) *Passive {
	p := &Passive{
		spec:               s,
		healthy:            newStatusSet(c.Healthy.HTTPStatuses),
		unhealthy:          newStatusSet(c.Unhealthy.HTTPStatuses),
		successes:          uint32(c.Healthy.Successes),
		maxEjectionPercent: c.MaxEjectionPercent,
		baseEjection:       c.BaseEjectionTime.Duration(),
		maxEjection:        c.MaxEjectionTime.Duration(),
	}
	p.limits[upstream.HTTPFailures] = uint32(c.Unhealthy.HTTPFailures)
	p.limits[upstream.TCPFailures] = uint32(c.Unhealthy.TCPFailures)
	p.limits[upstream.TimeoutFailures] = uint32(c.Unhealthy.Timeouts)
	return p
}

// Observe counts one request's result on node n: o is how the exchange
// ended and status the node's HTTP status when it answered. Statuses in
// neither list, and requests the client abandoned, count for nothing.
func (p *Passive) Observe(n *Node, o upstream.Outcome, status int) {
	var c upstream.Counter
	switch o {
	case upstream.Success:
		switch {
		case p.unhealthy.has(status):
			c = upstream.HTTPFailures
		case p.healthy.has(status):
			c = upstream.Successes
		default:
			return
		}
	case upstream.ConnectFailure, upstream.Failure:
		c = upstream.TCPFailures
	case upstream.Timeout:
		c = upstream.TimeoutFailures
	default:
		return
	}
	h := n.Health
	k := h.Count(c)
	if c == upstream.Successes {
		// Traffic reaches a down node only in panic mode; enough good
		// answers then bring it back, as lua-resty-healthcheck does.
		if k >= p.successes && h.State() != 0 {
			p.spec.m.recover(n, upstream.ProbeDown|upstream.Ejected, consecutive(k, c, 0))
		}
		return
	}
	if k >= p.limits[c] && h.State()&upstream.Ejected == 0 {
		p.spec.m.eject(n, p, consecutive(k, c, status))
	}
}

// ejectionTime is how long the count-th ejection in a row lasts.
func (p *Passive) ejectionTime(count int32) time.Duration {
	d := p.baseEjection * time.Duration(count)
	if d > p.maxEjection || d < 0 {
		d = p.maxEjection
	}
	return d
}

// ejectionCap is how many of n nodes may be ejected at once: the
// max_ejection_percent share, and at least one.
func (p *Passive) ejectionCap(n int) int {
	return max(1, n*p.maxEjectionPercent/100)
}
