package hc

import (
	"sync/atomic"

	"github.com/jetwayhq/jetway/upstream"
)

// Node is one node under one check spec: the Health that balancers read,
// plus the ejection timer that only this package touches.
type Node struct {
	Health *upstream.Health
	spec   *spec
	timer  atomic.Pointer[Timer]
}

// stopTimer cancels a pending ejection timer.
func (n *Node) stopTimer() {
	if t := n.timer.Swap(nil); t != nil {
		(*t).Stop()
	}
}
