package lb

// Tried is the set of target indexes a request has already been sent to.
// The zero value is empty; a nil *Tried is an empty set. The first
// len(inline) entries need no allocation, and a Tried reused through Reset
// keeps the storage it grew. A Tried belongs to one request and is not safe
// for concurrent use.
type Tried struct {
	n      int
	inline [8]int32
	more   []int32
}

// Has reports whether i was tried.
func (t *Tried) Has(i int) bool {
	if t == nil {
		return false
	}
	k := min(t.n, len(t.inline))
	for _, v := range t.inline[:k] {
		if int(v) == i {
			return true
		}
	}
	for _, v := range t.more {
		if int(v) == i {
			return true
		}
	}
	return false
}

// Add records i as tried.
func (t *Tried) Add(i int) {
	if t.n < len(t.inline) {
		t.inline[t.n] = int32(i)
	} else {
		t.more = append(t.more, int32(i))
	}
	t.n++
}

// Len is the number of targets tried.
func (t *Tried) Len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// Reset empties the set, keeping its storage.
func (t *Tried) Reset() {
	t.n = 0
	t.more = t.more[:0]
}
