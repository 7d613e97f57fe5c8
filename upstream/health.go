package upstream

import (
	"sync/atomic"
	"time"
)

// Down reasons: the bits of a Health's state. A node is available when no
// bit is set.
const (
	// ProbeDown: active probes found the node unhealthy.
	ProbeDown uint32 = 1 << iota
	// Ejected: passive checks took the node out until an ejection time
	// passes or probes find it healthy again.
	Ejected
)

// Counter names one of the consecutive counters of a Health. They are
// lua-resty-healthcheck's counters, which APISIX shows in its Control API:
// active probes and passive observations feed the same four counters, and
// each source compares them with its own thresholds.
type Counter uint8

const (
	// Successes counts consecutive healthy answers.
	Successes Counter = iota
	// HTTPFailures counts consecutive answers with an unhealthy status.
	HTTPFailures
	// TCPFailures counts consecutive connection failures.
	TCPFailures
	// TimeoutFailures counts consecutive timeouts.
	TimeoutFailures
	counterCount
)

// String is the counter's name in the Control API.
func (c Counter) String() string {
	switch c {
	case Successes:
		return "success"
	case HTTPFailures:
		return "http_failure"
	case TCPFailures:
		return "tcp_failure"
	case TimeoutFailures:
		return "timeout_failure"
	}
	return "unknown"
}

// Health is the health of one node as one health-check spec sees it. Its
// identity is the node address plus the spec: upstreams with identical
// checks share one Health per node, so a node is probed once and every one
// of those upstreams sees the result. A nil *Health is a node nobody checks:
// always available, never ramping.
//
// Fields are atomics. The request path reads Available and UpSince and
// counts passive results; package hc changes the state. Health values must
// not be copied.
type Health struct {
	addr string

	state    atomic.Uint32
	counters [counterCount]atomic.Uint32

	// upSince is when the node last became available, in UnixNano; 0 when
	// it is not ramping up (slow start).
	upSince atomic.Int64
	// ejections counts passive ejections; ejectedUntil is when the current
	// one ends (UnixNano), 0 when not ejected; returnedAt is when the last
	// one ended.
	ejections    atomic.Int32
	ejectedUntil atomic.Int64
	returnedAt   atomic.Int64

	// lastProbe is the last probe's outcome; lastProbeAt its time in
	// UnixNano. The outcome is replaced only when it differs, so a node
	// probed every second with the same answer costs no allocation.
	lastProbe   atomic.Pointer[Probe]
	lastProbeAt atomic.Int64
	groups      atomic.Pointer[[]*Group]
}

// Probe is the outcome of one active probe.
type Probe struct {
	At      time.Time // set by LastProbe
	Counter Counter   // which counter the probe fed
	Status  int       // HTTP status; 0 for tcp probes and failures
	Err     string    // the failure, "" on success
}

// NewHealth returns the health of a node at addr that starts available.
func NewHealth(addr string) *Health { return &Health{addr: addr} }

// Addr is the node's address, "host:port".
func (h *Health) Addr() string { return h.addr }

// Available reports whether balancers may pick the node.
func (h *Health) Available() bool { return h == nil || h.state.Load() == 0 }

// State returns the set down reasons (ProbeDown, Ejected); 0 is available.
func (h *Health) State() uint32 { return h.state.Load() }

// Mark sets (down true) or clears the reason bit and reports whether this
// call changed it, so each transition is seen, and logged, once.
func (h *Health) Mark(reason uint32, down bool) bool {
	for {
		old := h.state.Load()
		next := old &^ reason
		if down {
			next = old | reason
		}
		if next == old {
			return false
		}
		if h.state.CompareAndSwap(old, next) {
			return true
		}
	}
}

// Count adds one to counter c and returns its new value. A success zeroes
// the three failure counters and a failure zeroes the successes, so each
// counter holds a run of consecutive results. Counters that are already 0
// are not written.
func (h *Health) Count(c Counter) uint32 {
	if c == Successes {
		for k := HTTPFailures; k < counterCount; k++ {
			if h.counters[k].Load() != 0 {
				h.counters[k].Store(0)
			}
		}
	} else if h.counters[Successes].Load() != 0 {
		h.counters[Successes].Store(0)
	}
	return h.counters[c].Add(1)
}

// ResetCounters zeroes every counter, as a state change does.
func (h *Health) ResetCounters() {
	for k := range h.counters {
		h.counters[k].Store(0)
	}
}

// Counters returns the four consecutive counters, indexed by Counter.
func (h *Health) Counters() [4]uint32 {
	var out [4]uint32
	for k := range h.counters {
		out[k] = h.counters[k].Load()
	}
	return out
}

// UpSince is when the node last became available (UnixNano), or 0 when it
// is not ramping up.
func (h *Health) UpSince() int64 {
	if h == nil {
		return 0
	}
	return h.upSince.Load()
}

// SetUpSince records when the node became available; 0 ends the ramp.
func (h *Health) SetUpSince(t int64) { h.upSince.Store(t) }

// Ejections is the number of passive ejections so far.
func (h *Health) Ejections() int32 { return h.ejections.Load() }

// SetEjections sets the ejection count (it decays while the node stays up).
func (h *Health) SetEjections(n int32) { h.ejections.Store(n) }

// EjectedUntil is when the current ejection ends (UnixNano); 0 when the
// node is not ejected.
func (h *Health) EjectedUntil() int64 { return h.ejectedUntil.Load() }

// SetEjectedUntil records when the current ejection ends; 0 clears it.
func (h *Health) SetEjectedUntil(t int64) { h.ejectedUntil.Store(t) }

// ReturnedAt is when the last ejection ended (UnixNano), 0 if never.
func (h *Health) ReturnedAt() int64 { return h.returnedAt.Load() }

// SetReturnedAt records when an ejection ended.
func (h *Health) SetReturnedAt(t int64) { h.returnedAt.Store(t) }

// LastProbe is the last active probe's outcome and time, or nil.
func (h *Health) LastProbe() *Probe {
	p := h.lastProbe.Load()
	if p == nil {
		return nil
	}
	c := *p
	c.At = time.Unix(0, h.lastProbeAt.Load())
	return &c
}

// SetLastProbe records an active probe's outcome at time at.
func (h *Health) SetLastProbe(at time.Time, c Counter, status int, err string) {
	if p := h.lastProbe.Load(); p == nil || p.Counter != c || p.Status != status || p.Err != err {
		h.lastProbe.Store(&Probe{Counter: c, Status: status, Err: err})
	}
	h.lastProbeAt.Store(at.UnixNano())
}

// Groups are the upstreams the node currently belongs to.
func (h *Health) Groups() []*Group {
	if g := h.groups.Load(); g != nil {
		return *g
	}
	return nil
}

// SetGroups replaces the upstreams the node belongs to.
func (h *Health) SetGroups(g []*Group) { h.groups.Store(&g) }
