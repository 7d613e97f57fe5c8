package lb

// aliasTable draws a position k with probability weights[k]/sum(weights)
// in O(1): Walker's alias method, built by Vose's algorithm ("A Linear
// Algorithm for Generating Random Numbers with a Given Distribution",
// IEEE TSE 1991), in integers so the shares are exact.
//
// Every slot holds the same mass, the total of the weights; position k
// brings n*weights[k] of it. A slot keeps its own position for the first
// keep units of its mass and gives the rest to alias. A draw takes a
// uniform slot and a uniform offset into its mass: two random numbers and
// one load, where a binary search over prefix sums (prefixIndex) makes
// log2(n) dependent loads.
type aliasTable struct {
	slots []aliasSlot
	mass  uint64 // each slot's mass: the total weight
}

type aliasSlot struct {
	keep  uint64 // offsets below keep draw this slot's own position
	alias int32  // the position offsets from keep up draw
}

// newAliasTable builds the table of weights, which are positive and whose
// total times len(weights) fits in 64 bits (drawWeights bounds them so).
func newAliasTable(weights []uint64) aliasTable {
	n := uint64(len(weights))
	var total uint64
	for _, w := range weights {
		total += w
	}
	t := aliasTable{slots: make([]aliasSlot, len(weights)), mass: total}
	left := make([]uint64, len(weights)) // mass still to place, per position
	var small, large []int32
	for k, w := range weights {
		left[k] = w * n
		if left[k] < total {
			small = append(small, int32(k))
		} else {
			large = append(large, int32(k))
		}
	}
	// Each small position fills its slot up from a large one, which then
	// has less left; the masses are integers, so what stays at the end is
	// exactly one slot's mass per position.
	for len(small) > 0 && len(large) > 0 {
		s := small[len(small)-1]
		small = small[:len(small)-1]
		l := large[len(large)-1]
		t.slots[s] = aliasSlot{keep: left[s], alias: l}
		left[l] -= total - left[s]
		if left[l] < total {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, k := range append(small, large...) {
		t.slots[k] = aliasSlot{keep: total, alias: k}
	}
	return t
}

// draw returns a position with probability proportional to its weight.
func (t *aliasTable) draw(r *pickRand) int {
	k := r.intn(len(t.slots))
	s := &t.slots[k]
	if r.below(t.mass) < s.keep {
		return k
	}
	return int(s.alias)
}
