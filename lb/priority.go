package lb

import (
	"cmp"
	"slices"
)

// priorityGroups returns the indexes of the targets with positive weights,
// grouped by Priority, highest first, each group in config order.
func priorityGroups(targets []Target) [][]int32 {
	var order []int32
	for i, t := range targets {
		if t.Weight > 0 {
			order = append(order, int32(i))
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		return cmp.Compare(targets[b].Priority, targets[a].Priority)
	})
	var groups [][]int32
	for len(order) > 0 {
		n := 1
		for n < len(order) && targets[order[n]].Priority == targets[order[0]].Priority {
			n++
		}
		groups = append(groups, slices.Clip(order[:n]))
		order = order[n:]
	}
	return groups
}
