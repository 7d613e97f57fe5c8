package core

import (
	"slices"
	"strings"
)

// routerTrie is an immutable path-compressed radix tree that maps byte-string
// keys to int32 values. Its one query finds the keys that are prefixes of an
// input, longest first, without allocating: longest returns the deepest such
// node and up links each valued node to the next shorter one.
type routerTrie struct {
	nodes []routerTrieNode // nodes[0] is the root; empty when the trie has no keys
}

// routerTrieNode is one node; its key is the concatenated labels from the root.
type routerTrieNode struct {
	label string  // bytes on the edge from the parent; empty for the root
	edges string  // first byte of each child's label, parallel to kids
	kids  []int32 // child node indexes
	val   int32   // value of the key ending here; -1 when no key ends here
	up    int32   // nearest ancestor with a value; -1 when none
}

// newRouterTrie builds a trie mapping keys[i] to vals[i]. Keys must be distinct.
func newRouterTrie(keys []string, vals []int32) routerTrie {
	var t routerTrie
	if len(keys) == 0 {
		return t
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sk := make([]string, len(keys))
	sv := make([]int32, len(keys))
	for i, o := range order {
		sk[i], sv[i] = keys[o], vals[o]
	}
	t.build(sk, sv, 0, "", -1)
	return t
}

// build appends the node for sorted keys that all share their first depth
// bytes, then its subtrees, and returns the node's index.
func (t *routerTrie) build(keys []string, vals []int32, depth int, label string, up int32) int32 {
	n := int32(len(t.nodes))
	t.nodes = append(t.nodes, routerTrieNode{label: label, val: -1, up: up})
	if len(keys[0]) == depth {
		t.nodes[n].val = vals[0]
		keys, vals = keys[1:], vals[1:]
		up = n
	}
	var edges []byte
	var kids []int32
	for len(keys) > 0 {
		c := keys[0][depth]
		end := 1
		for end < len(keys) && keys[end][depth] == c {
			end++
		}
		// Keys are sorted, so the first and last of a group share what all share.
		common := routerCommonPrefix(keys[0], keys[end-1])
		kid := t.build(keys[:end], vals[:end], common, keys[0][depth:common], up)
		edges = append(edges, c)
		kids = append(kids, kid)
		keys, vals = keys[end:], vals[end:]
	}
	t.nodes[n].edges = string(edges)
	t.nodes[n].kids = kids
	return n
}

// routerCommonPrefix returns the length of the longest common prefix of a and b.
func routerCommonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// longest returns the node of the longest key that is a prefix of s, or -1.
func (t *routerTrie) longest(s []byte) int32 {
	if len(t.nodes) == 0 {
		return -1
	}
	best := int32(-1)
	n := &t.nodes[0]
	if n.val >= 0 {
		best = 0
	}
	for i := 0; i < len(s); {
		e := routerEdge(n.edges, s[i])
		if e < 0 {
			break
		}
		k := n.kids[e]
		c := &t.nodes[k]
		if len(s)-i < len(c.label) || string(s[i:i+len(c.label)]) != c.label {
			break
		}
		i += len(c.label)
		n = c
		if n.val >= 0 {
			best = k
		}
	}
	return best
}

// routerEdge returns the index of c in edges, or -1. A loop beats the
// assembly search on the short edge lists most nodes have.
func routerEdge(edges string, c byte) int {
	if len(edges) > 16 {
		return strings.IndexByte(edges, c)
	}
	for i := 0; i < len(edges); i++ {
		if edges[i] == c {
			return i
		}
	}
	return -1
}

// next returns the node of the next shorter key that is also a prefix, or -1.
func (t *routerTrie) next(node int32) int32 { return t.nodes[node].up }

// value returns the value of a node returned by longest or next.
func (t *routerTrie) value(node int32) int32 { return t.nodes[node].val }
