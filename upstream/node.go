package upstream

import (
	"sync/atomic"
	"time"
)

// Outcome is what happened to one request sent to a node.
type Outcome uint8

const (
	// Success: the node answered.
	Success Outcome = iota
	// ConnectFailure: no connection could be made; nothing was sent.
	ConnectFailure
	// Failure: the node broke the exchange after the request was sent.
	Failure
	// Timeout: the node did not answer in time.
	Timeout
	// ClientGone: the client went away; no strike against the node.
	ClientGone
)

// String names the outcome for logs.
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case ConnectFailure:
		return "connect_failure"
	case Failure:
		return "failure"
	case Timeout:
		return "timeout"
	case ClientGone:
		return "client_gone"
	}
	return "unknown"
}

// Node is the live load of one backend address: requests in flight,
// outcomes and latency. Its health is a separate Health. Fields are updated
// atomically; Node values must not be copied.
type Node struct {
	addr string

	inFlight    atomic.Int64
	requests    atomic.Uint64
	consecFails atomic.Int32
	lastErr     atomic.Pointer[NodeError]

	// latency is the peak-EWMA latency estimate and the time of its last
	// sample, packed into one word; see latency.go. Zero: no sample yet.
	latency atomic.Uint64
}

// NodeError records the last failure seen on a node.
type NodeError struct {
	Outcome Outcome
	Err     string
	At      time.Time
}

// NewNode returns the state of a node that has seen no traffic.
func NewNode(addr string) *Node { return &Node{addr: addr} }

// Addr is the node's identity, "host:port".
func (n *Node) Addr() string { return n.addr }

// Begin counts a request to the node as in flight.
func (n *Node) Begin() { n.inFlight.Add(1) }

// End closes a request opened with Begin and records its outcome. err is
// only read when o is a failure.
func (n *Node) End(o Outcome, err error) {
	n.inFlight.Add(-1)
	n.requests.Add(1)
	switch o {
	case Success:
		if n.consecFails.Load() != 0 {
			n.consecFails.Store(0)
		}
	case ClientGone:
	default:
		n.consecFails.Add(1)
		msg := o.String()
		if err != nil {
			msg = err.Error()
		}
		n.lastErr.Store(&NodeError{Outcome: o, Err: msg, At: time.Now()})
	}
}

// InFlight is the number of requests to the node in flight through this
// process.
func (n *Node) InFlight() int64 { return n.inFlight.Load() }

// Requests is the number of requests to the node that have ended.
func (n *Node) Requests() uint64 { return n.requests.Load() }

// ConsecutiveFailures counts failures since the last success.
func (n *Node) ConsecutiveFailures() int32 { return n.consecFails.Load() }

// LastError is the last failure recorded, or nil.
func (n *Node) LastError() *NodeError { return n.lastErr.Load() }
