package lb

// smoothSequence returns one cycle of the smooth weighted round-robin
// sequence over w, all positive: the member index chosen at each step, sum(w)
// steps in all, member i appearing w[i] times.
//
// The sequence is the one nginx's ngx_http_upstream_get_peer produces: at
// each step every member's current weight grows by its weight, the member
// with the largest current weight is chosen (the lowest index on a tie) and
// its current weight drops by sum(w). After sum(w) steps every current
// weight is back to zero, so the cycle repeats.
//
// After t steps a member that has been chosen c times has current weight
// w*t - sum*c. Members of equal weight are therefore chosen in index order,
// round and round, so only the next member of each distinct weight competes
// at a step. That makes the cost O(sum(w) * distinct weights) instead of
// O(sum(w) * len(w)); distinct weights number at most sqrt(2*sum(w)).
func smoothSequence(w []int) []int32 {
	type class struct {
		weight  int64
		members []int32 // ascending
		chosen  int64
	}
	var classes []class
	byWeight := make(map[int]int)
	var total int64
	for i, x := range w {
		c, ok := byWeight[x]
		if !ok {
			c = len(classes)
			byWeight[x] = c
			classes = append(classes, class{weight: int64(x)})
		}
		classes[c].members = append(classes[c].members, int32(i))
		total += int64(x)
	}

	seq := make([]int32, 0, total)
	for t := int64(1); t <= total; t++ {
		best := -1
		var bestCurrent int64
		var bestMember int32
		for c := range classes {
			cl := &classes[c]
			m := int64(len(cl.members))
			member := cl.members[cl.chosen%m]
			current := cl.weight*t - total*(cl.chosen/m)
			if best < 0 || current > bestCurrent || current == bestCurrent && member < bestMember {
				best, bestCurrent, bestMember = c, current, member
			}
		}
		classes[best].chosen++
		seq = append(seq, bestMember)
	}
	return seq
}
