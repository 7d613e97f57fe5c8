package core

import "github.com/jetwayhq/jetway/upstream"

// attempt is one try of a request on one target of an upstream.
type attempt struct {
	up *upstreamRT
	i  int
}

// node is the attempt's node.
func (a attempt) node() *upstream.Node { return a.up.targets[a.i].Node }

// addr is the node's address, for logs.
func (a attempt) addr() string { return a.up.targets[a.i].Node.Addr() }

// end records how the attempt ended on the node's counters and, when the
// upstream has passive checks, on its health. status is the node's HTTP
// status when it answered, else 0.
func (a attempt) end(o upstream.Outcome, status int, err error) {
	a.up.targets[a.i].Node.End(o, err)
	if p := a.up.passive; p != nil {
		p.Observe(a.up.hcNodes[a.i], o, status)
	}
}
