package lb

import "math/bits"

// tableLimit caps the number of entries in one round-robin cycle table.
// 1<<16 int32 entries take 256 KiB.
const tableLimit = 1 << 16

// wideWeight is the largest weight cycleWeights keeps without halving.
const wideWeight = 1 << 32

// cycleWeights returns the weights one smooth round-robin cycle is built
// from. w must hold positive weights; the result has the same length and
// order, every entry at least 1.
//
// The weights are divided by their greatest common divisor, which leaves
// the smooth weighted sequence unchanged and shortens its cycle to the sum
// of the result. When that sum exceeds limit, the weights are scaled down
// proportionally: each becomes max(1, floor(w*s/sum)) for the largest s
// whose results sum to at most limit. When len(w) >= limit every weight
// becomes 1. Weights above 1<<32 are first halved, all by the same power of
// two, so the arithmetic cannot overflow for any limit below 1<<30.
func cycleWeights(w []int, limit int) []int {
	out := make([]int, len(w))
	if len(w) == 0 {
		return out
	}
	u := make([]uint64, len(w))
	var top uint64
	for i, x := range w {
		u[i] = uint64(x)
		top = max(top, u[i])
	}
	if top > wideWeight {
		shift := uint(bits.Len64(top) - bits.Len64(wideWeight) + 1)
		for i := range u {
			u[i] = max(1, u[i]>>shift)
		}
	}
	divideByGCD(u)

	k := uint64(len(u))
	lim := uint64(max(limit, 1))
	var sum uint64
	for _, x := range u {
		sum += x
	}
	switch {
	case sum <= lim:
	case k >= lim:
		for i := range u {
			u[i] = 1
		}
	default:
		// scaledSum is nondecreasing in s, scaledSum(1) == k <= lim, and
		// scaledSum(s) > s-k, so the largest fitting s is below lim+k.
		lo, hi := uint64(1), lim+k
		for lo < hi {
			mid := lo + (hi-lo+1)/2
			if scaledSum(u, sum, mid) <= lim {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		for i, x := range u {
			u[i] = max(1, x*lo/sum)
		}
		divideByGCD(u)
	}
	for i, x := range u {
		out[i] = int(x)
	}
	return out
}

// scaledSum is the sum of max(1, floor(x*s/sum)) over u.
func scaledSum(u []uint64, sum, s uint64) uint64 {
	var t uint64
	for _, x := range u {
		t += max(1, x*s/sum)
	}
	return t
}

// divideByGCD divides every entry of u, all positive, by their greatest
// common divisor.
func divideByGCD(u []uint64) {
	var g uint64
	for _, x := range u {
		g = gcd(g, x)
	}
	if g <= 1 {
		return
	}
	for i := range u {
		u[i] /= g
	}
}

// gcd is Euclid's greatest common divisor; gcd(0, b) == b.
func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
