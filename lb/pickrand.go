package lb

import (
	"math/bits"
	"math/rand/v2"
)

// pickRand is the random numbers of one Pick: a SplitMix64 sequence
// (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number
// Generators", OOPSLA 2014) seeded by one draw from math/rand/v2's
// per-thread generator. A Pick that needs four numbers makes one call
// into the runtime instead of four; the rest are a few multiplications.
type pickRand struct{ s uint64 }

func newPickRand() pickRand { return pickRand{rand.Uint64()} }

// uint64 returns the next number of the sequence.
func (r *pickRand) uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// below returns a uniform number in [0, n), n > 0, without bias: Lemire's
// multiply-and-reject ("Fast Random Integer Generation in an Interval",
// ACM TOMACS 2019).
func (r *pickRand) below(n uint64) uint64 {
	hi, lo := bits.Mul64(r.uint64(), n)
	if lo < n {
		for floor := -n % n; lo < floor; {
			hi, lo = bits.Mul64(r.uint64(), n)
		}
	}
	return hi
}

// intn is below for an int n > 0.
func (r *pickRand) intn(n int) int { return int(r.below(uint64(n))) }
