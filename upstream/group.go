package upstream

import "sync/atomic"

// Group is one upstream's view of its nodes' health: how many are down and
// how many are ejected, for the panic threshold and the ejection cap. The
// member list is fixed when the snapshot is built.
//
// The counts are refreshed by Recount, which package hc calls after every
// state change of a member and core calls once after publishing the group
// in its members. Because a change stores the state before it reads the
// member's groups, and a build publishes the groups before it counts,
// every change is seen by at least one count of every group that holds it.
type Group struct {
	members []*Health
	// panicPercent is the healthy share (percent) under which Pick
	// ignores health (Envoy healthy_panic_threshold).
	panicPercent int32

	down    atomic.Int32
	ejected atomic.Int32
	// busy serializes ejection decisions; see TryLock.
	busy atomic.Bool
}

// NewGroup returns the group of members with the given panic threshold in
// percent. The caller must not change members afterwards.
func NewGroup(members []*Health, panicPercent int) *Group {
	g := &Group{members: members, panicPercent: int32(panicPercent)}
	g.Recount()
	return g
}

// Members are the nodes of the group.
func (g *Group) Members() []*Health { return g.members }

// Recount refreshes the down and ejected counts from the members' states.
func (g *Group) Recount() {
	var down, ejected int32
	for _, h := range g.members {
		s := h.State()
		if s != 0 {
			down++
		}
		if s&Ejected != 0 {
			ejected++
		}
	}
	g.down.Store(down)
	g.ejected.Store(ejected)
}

// Down is the number of members that are not available.
func (g *Group) Down() int { return int(g.down.Load()) }

// Ejected is the number of members ejected by passive checks.
func (g *Group) Ejected() int { return int(g.ejected.Load()) }

// Panic reports whether balancers should ignore health: every member is
// down, or the healthy share is below the panic threshold. With no
// members there is nothing to panic about.
func (g *Group) Panic() bool {
	if g == nil || len(g.members) == 0 {
		return false
	}
	n := int32(len(g.members))
	healthy := n - g.down.Load()
	return healthy <= 0 || healthy*100 < g.panicPercent*n
}

// TryLock claims the group for one ejection decision and reports whether
// it did. It never waits: a caller that loses simply decides again on the
// node's next failure.
func (g *Group) TryLock() bool { return g.busy.CompareAndSwap(false, true) }

// Unlock ends a decision started by a successful TryLock.
func (g *Group) Unlock() { g.busy.Store(false) }
