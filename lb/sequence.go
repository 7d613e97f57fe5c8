package lb

// Sequence is an exact weighted choice among indexes, shared by every
// goroutine of the process: one cycle of the smooth weighted round-robin
// sequence over the weights, walked by one atomic counter. Any sum(w)
// consecutive choices (w the weights divided by their greatest common
// divisor) hold each index exactly its weight's share, so ratios never
// drift (APISIX keeps this per nginx worker). When those reduced weights
// sum to more than 65,536 they are scaled down to fit, and the shares are
// then exact to within that scaling.
type Sequence struct {
	table []int32
	next  *rrCounter
}

// NewSequence builds the choice over weights; an index with weight <= 0 is
// never chosen.
func NewSequence(weights []int) *Sequence {
	var idx []int32
	var w []int
	for i, x := range weights {
		if x > 0 {
			idx = append(idx, int32(i))
			w = append(w, x)
		}
	}
	if len(w) == 0 {
		return &Sequence{}
	}
	seq := smoothSequence(cycleWeights(w, tableLimit))
	s := &Sequence{table: make([]int32, len(seq)), next: new(rrCounter)}
	for p, k := range seq {
		s.table[p] = idx[k]
	}
	return s
}

// Next returns the next index of the sequence, or -1 when every weight is
// 0. It takes no lock and does not allocate.
func (s *Sequence) Next() int {
	if len(s.table) == 0 {
		return -1
	}
	n := s.next.n.Add(1) - 1
	return int(s.table[n%uint64(len(s.table))])
}
