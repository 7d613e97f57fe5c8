package upstream

import "sync"

// Registry maps node addresses to their live state. It is used by the
// control plane when it builds a snapshot; the request path only holds the
// *Node pointers the snapshot carries.
type Registry struct {
	mu    sync.Mutex
	nodes map[string]*Node
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{nodes: make(map[string]*Node)} }

// Get returns the node for addr, creating it on first use. The same addr
// always yields the same *Node until Retain drops it.
func (r *Registry) Get(addr string) *Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.nodes[addr]
	if !ok {
		n = NewNode(addr)
		r.nodes[addr] = n
	}
	return n
}

// Retain drops every node whose address is not in keep. It runs after a
// new snapshot is published; requests still running on an older snapshot
// keep their pointers and finish normally.
func (r *Registry) Retain(keep map[string]struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for addr := range r.nodes {
		if _, ok := keep[addr]; !ok {
			delete(r.nodes, addr)
		}
	}
}

// Len is the number of nodes held.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.nodes)
}
