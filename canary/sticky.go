package canary

// Buckets is how many buckets sticky keys hash into. The arms of a rule
// own consecutive ranges in config order, each in proportion to its
// weight, so when one arm's weight rises only users of the arms after it
// move, and only onto it or past it: with a canary arm before or after a
// stable one, raising the canary only moves users onto it.
const Buckets = 10000

// bucketEnds returns, for each arm, the end of its bucket range: arm k
// owns [ends[k-1], ends[k]). It is nil when every weight is 0.
func bucketEnds(weights []int) []uint32 {
	var sum int64
	for _, w := range weights {
		sum += int64(max(w, 0))
	}
	if sum == 0 {
		return nil
	}
	ends := make([]uint32, len(weights))
	var cum int64
	for k, w := range weights {
		cum += int64(max(w, 0))
		ends[k] = uint32(cum * Buckets / sum)
	}
	return ends
}

// bucketArm returns the arm owning bucket b, or -1 when ends is empty.
func bucketArm(ends []uint32, b uint32) int {
	for k, end := range ends {
		if b < end {
			return k
		}
	}
	return -1
}
