package hc

import (
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// Options configure a Manager.
type Options struct {
	Clock   Clock // nil: RealClock
	Logger  *slog.Logger
	RootCAs *x509.CertPool // verifies https probes; nil: system roots
}

// Manager owns every Node and Checker. A snapshot build asks a Plan for
// the nodes it wants; Commit then makes the Plan the running set: nodes
// that stay keep all their state, checkers probe exactly the wanted nodes,
// and whatever is no longer wanted is stopped and dropped.
type Manager struct {
	clock   Clock
	log     *slog.Logger
	rootCAs *x509.CertPool

	mu    sync.Mutex // serializes Plan lookups, Commit and Close
	specs map[string]*spec
}

// spec is one distinct checks configuration and the nodes under it.
// Upstreams with identical checks share it, so each node is probed once.
type spec struct {
	m       *Manager
	key     string
	active  *config.ActiveCheck // nil: no probes
	passive *Passive            // nil: no passive checks
	checker *Checker

	// nodes maps address to node; replaced whole by Commit, read without
	// a lock by probe reports.
	nodes atomic.Pointer[map[string]*Node]
}

// NewManager returns a Manager with no nodes.
func NewManager(o Options) *Manager {
	if o.Clock == nil {
		o.Clock = RealClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Manager{clock: o.Clock, log: o.Logger, rootCAs: o.RootCAs, specs: make(map[string]*spec)}
}

// Clock is the manager's time source.
func (m *Manager) Clock() Clock { return m.clock }

// Plan collects the nodes one snapshot build wants. It is used by one
// goroutine; an abandoned Plan changes nothing.
type Plan struct {
	m     *Manager
	specs map[string]*planSpec
}

type planSpec struct {
	s     *spec
	nodes map[string]*Node
}

// Plan starts collecting the nodes of a new snapshot.
func (m *Manager) Plan() *Plan { return &Plan{m: m, specs: make(map[string]*planSpec)} }

// Node returns the node for addr under checks (nil: unchecked), the
// passive checker of those checks (nil when they have none), and whether
// the node is new: one the running set does not have.
func (p *Plan) Node(checks *config.Checks, addr string) (n *Node, passive *Passive, created bool) {
	key := specKey(checks)
	ps := p.specs[key]
	if ps == nil {
		p.m.mu.Lock()
		s := p.m.specs[key]
		p.m.mu.Unlock()
		if s == nil {
			s = p.m.newSpec(key, checks)
		}
		ps = &planSpec{s: s, nodes: make(map[string]*Node)}
		p.specs[key] = ps
	}
	if n = ps.nodes[addr]; n != nil {
		return n, ps.s.passive, false
	}
	if cur := ps.s.nodes.Load(); cur != nil {
		n = (*cur)[addr]
	}
	if n == nil {
		n, created = &Node{Health: upstream.NewHealth(addr), spec: ps.s}, true
	}
	ps.nodes[addr] = n
	return n, ps.s.passive, created
}

// specKey identifies a checks configuration: its canonical JSON, "" for
// none.
func specKey(c *config.Checks) string {
	if c == nil {
		return ""
	}
	b, err := json.Marshal(c)
	if err != nil {
		// config.Checks holds only plain data; Marshal cannot fail.
		panic(err)
	}
	return string(b)
}

func (m *Manager) newSpec(key string, c *config.Checks) *spec {
	s := &spec{m: m, key: key}
	if c != nil {
		s.active = c.Active
		if c.Passive != nil {
			s.passive = newPassive(s, c.Passive)
		}
	}
	return s
}

// Commit makes p the running set. Checkers of new specs start probing at
// once; checkers whose spec is gone stop; every checker's targets equal
// its wanted nodes when Commit returns. Nodes no longer wanted lose their
// timers and are dropped.
func (m *Manager) Commit(p *Plan) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, ps := range p.specs {
		s := ps.s
		if old := s.nodes.Load(); old != nil {
			for addr, n := range *old {
				if _, keep := ps.nodes[addr]; !keep {
					n.stopTimer()
				}
			}
		}
		nodes := ps.nodes
		s.nodes.Store(&nodes)
		if m.specs[key] == nil {
			m.specs[key] = s
			if s.active != nil {
				s.checker = NewChecker(*s.active, CheckerOptions{
					Clock:   m.clock,
					Report:  s.report,
					Healthy: s.healthy,
					RootCAs: m.rootCAs,
					Logger:  m.log,
				})
			}
		}
		if s.checker != nil {
			addrs := make([]string, 0, len(nodes))
			for addr := range nodes {
				addrs = append(addrs, addr)
			}
			slices.Sort(addrs)
			s.checker.SetTargets(addrs)
		}
	}
	for key, s := range m.specs {
		if _, keep := p.specs[key]; !keep {
			s.stop()
			delete(m.specs, key)
		}
	}
}

// Close stops every checker and timer.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, s := range m.specs {
		s.stop()
		delete(m.specs, key)
	}
}

// Checkers is the number of running checkers.
func (m *Manager) Checkers() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.specs {
		if s.checker != nil {
			n++
		}
	}
	return n
}

// Probed returns the addresses every running checker probes, sorted, one
// entry per checker and address.
func (m *Manager) Probed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, s := range m.specs {
		if s.checker != nil {
			out = append(out, s.checker.Targets()...)
		}
	}
	slices.Sort(out)
	return out
}

func (s *spec) stop() {
	if s.checker != nil {
		s.checker.Stop()
	}
	if nodes := s.nodes.Load(); nodes != nil {
		for _, n := range *nodes {
			n.stopTimer()
		}
	}
}

// node returns the running node at addr, or nil.
func (s *spec) node(addr string) *Node {
	if nodes := s.nodes.Load(); nodes != nil {
		return (*nodes)[addr]
	}
	return nil
}

// healthy tells the checker which interval applies to addr.
func (s *spec) healthy(addr string) bool {
	n := s.node(addr)
	return n == nil || n.Health.Available()
}

// now is the manager's clock in UnixNano.
func (m *Manager) now() int64 { return m.clock.Now().UnixNano() }

// recount refreshes the counts of every upstream that holds h.
func recount(h *upstream.Health) {
	for _, g := range h.Groups() {
		g.Recount()
	}
}

// recover clears the down reasons bits of n. When that makes the node
// available it starts its slow-start ramp.
func (m *Manager) recover(n *Node, bits uint32, reason string) {
	h := n.Health
	was := h.State()
	if !h.Mark(bits, false) {
		return
	}
	now := m.now()
	if was&bits&upstream.Ejected != 0 {
		n.stopTimer()
		h.SetEjectedUntil(0)
		h.SetReturnedAt(now)
	}
	h.ResetCounters()
	if h.Available() {
		h.SetUpSince(now)
	}
	recount(h)
	m.log.Info("node healthy", "node", h.Addr(), "reason", reason, "available", h.Available())
}

// probeDown marks n down by active probes.
func (m *Manager) probeDown(n *Node, reason string) {
	h := n.Health
	if !h.Mark(upstream.ProbeDown, true) {
		return
	}
	h.ResetCounters()
	h.SetUpSince(0)
	recount(h)
	m.log.Warn("node unhealthy", "node", h.Addr(), "by", "active check", "reason", reason)
}

// eject takes n out for its ejection time, unless that would exceed the
// ejection cap of one of its upstreams. Each upstream is claimed without
// waiting; a claim lost to a concurrent decision defers this one to the
// node's next failure.
func (m *Manager) eject(n *Node, p *Passive, reason string) {
	h := n.Health
	groups := h.Groups()
	for k, g := range groups {
		if !g.TryLock() {
			for _, l := range groups[:k] {
				l.Unlock()
			}
			return
		}
	}
	defer func() {
		for _, g := range groups {
			g.Unlock()
		}
	}()
	for _, g := range groups {
		g.Recount()
		if g.Ejected() >= p.ejectionCap(len(g.Members())) {
			m.log.Debug("ejection cap reached", "node", h.Addr(), "reason", reason)
			return
		}
	}
	now := m.now()
	count := h.Ejections()
	if back := h.ReturnedAt(); back != 0 && p.baseEjection > 0 {
		// The multiplier decays by one per base ejection time spent up.
		count = max(0, count-int32((now-back)/int64(p.baseEjection)))
	}
	count++
	d := p.ejectionTime(count)
	until := now + int64(d)
	if !h.Mark(upstream.Ejected, true) {
		return
	}
	h.SetEjections(count)
	h.SetEjectedUntil(until)
	h.SetUpSince(0)
	h.ResetCounters()
	for _, g := range groups {
		g.Recount()
	}
	t := m.clock.AfterFunc(d, func() {
		if h.EjectedUntil() == until {
			m.recover(n, upstream.Ejected, "ejection time passed")
		}
	})
	if old := n.timer.Swap(&t); old != nil {
		(*old).Stop()
	}
	m.log.Warn("node unhealthy", "node", h.Addr(), "by", "passive check", "reason", reason,
		"ejected_for", d.String(), "ejections", count)
}

// report applies one probe result to the node at addr.
func (s *spec) report(addr string, r Result) {
	n := s.node(addr)
	if n == nil {
		return
	}
	h := n.Health
	h.SetLastProbe(r.At, r.Counter, r.Status, r.Err)
	if !r.Counts {
		return
	}
	k := h.Count(r.Counter)
	a := s.active
	if r.Counter == upstream.Successes {
		if k >= uint32(a.Healthy.Successes) && h.State() != 0 {
			s.m.recover(n, upstream.ProbeDown|upstream.Ejected, consecutive(k, r.Counter, r.Status)+" (active check)")
		}
		return
	}
	var limit int
	switch r.Counter {
	case upstream.HTTPFailures:
		limit = a.Unhealthy.HTTPFailures
	case upstream.TCPFailures:
		limit = a.Unhealthy.TCPFailures
	case upstream.TimeoutFailures:
		limit = a.Unhealthy.Timeouts
	}
	if k >= uint32(limit) && h.State()&upstream.ProbeDown == 0 {
		reason := consecutive(k, r.Counter, r.Status)
		if r.Err != "" && r.Status == 0 {
			reason += ": " + r.Err
		}
		s.m.probeDown(n, reason)
	}
}
