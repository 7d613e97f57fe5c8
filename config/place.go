package config

import (
	"strconv"
	"strings"
)

// place is where a value sits in the source document: one step (a key or
// a list index) below its parent place, and the line it was written on.
// The places of one document form a tree rooted at Config.root; a path
// string is rendered from it only when a problem is reported, so the
// memory it takes grows with the number of values, not their depth.
type place struct {
	parent *place
	step   step
	depth  int
	line   int
	kids   map[step]*place
}

// step is one element of a path: a key, or a list index when index >= 0.
type step struct {
	key   string
	index int
}

func keyStep(k string) step { return step{key: k, index: -1} }
func indexStep(i int) step  { return step{index: i} }

// child returns the place one step below p, creating it, and records the
// line its value was written on.
func (p *place) child(s step, line int) *place {
	k := p.kids[s]
	if k == nil {
		if p.kids == nil {
			p.kids = make(map[step]*place)
		}
		k = &place{parent: p, step: s, depth: p.depth + 1}
		p.kids[s] = k
	}
	k.line = line
	return k
}

// String renders the path of p, e.g. "upstreams[0].nodes[1].port".
func (p *place) String() string {
	var steps []step
	for q := p; q != nil && q.parent != nil; q = q.parent {
		steps = append(steps, q.step)
	}
	path := ""
	for i := len(steps) - 1; i >= 0; i-- {
		path = appendStep(path, steps[i])
	}
	return path
}

// appendStep renders one step after path.
func appendStep(path string, s step) string {
	if s.index >= 0 {
		return index(path, s.index)
	}
	return field(path, s.key)
}

// find walks path from p as far as the tree goes. It returns the deepest
// place reached and whether that is the whole path.
func (p *place) find(path string) (*place, bool) {
	at := p
	for path != "" {
		s, rest, ok := nextStep(path)
		if !ok {
			return at, false
		}
		k := at.kids[s]
		if k == nil {
			return at, false
		}
		at, path = k, rest
	}
	return at, true
}

// nextStep splits the first step off a path: `name`, `.name`, `[3]` or
// `["quoted key"]`.
func nextStep(path string) (step, string, bool) {
	switch {
	case strings.HasPrefix(path, `["`):
		q, err := strconv.QuotedPrefix(path[1:])
		if err != nil || !strings.HasPrefix(path[1+len(q):], "]") {
			return step{}, "", false
		}
		k, err := strconv.Unquote(q)
		if err != nil {
			return step{}, "", false
		}
		return keyStep(k), path[len(q)+2:], true
	case strings.HasPrefix(path, "["):
		end := strings.IndexByte(path, ']')
		if end < 0 {
			return step{}, "", false
		}
		i, err := strconv.Atoi(path[1:end])
		if err != nil || i < 0 {
			return step{}, "", false
		}
		return indexStep(i), path[end+1:], true
	}
	path = strings.TrimPrefix(path, ".")
	end := strings.IndexAny(path, ".[")
	if end < 0 {
		end = len(path)
	}
	if end == 0 {
		return step{}, "", false
	}
	return keyStep(path[:end]), path[end:], true
}
