package lb

import "testing"

// TestPickRandBelow checks that below stays in range, including bounds
// where Lemire's rejection is likely (just above 2^63), and that it is
// uniform over 3 and 10 values within checkShares' bounds.
func TestPickRandBelow(t *testing.T) {
	rnd := newPickRand()
	for _, n := range []uint64{1, 2, 3, 1000, 1<<63 + 1, 1<<64 - 1} {
		for range 10000 {
			if v := rnd.below(n); v >= n {
				t.Fatalf("below(%d) = %d", n, v)
			}
		}
	}
	for _, n := range []int{3, 10} {
		const draws = 100_000
		counts := make([]int, n)
		want := make([]float64, n)
		for k := range want {
			want[k] = 1 / float64(n)
		}
		for range draws {
			counts[rnd.intn(n)]++
		}
		checkShares(t, counts, draws, want)
	}
}

// TestPickRandSeeds checks that two picks do not share a sequence: each
// takes its seed from the runtime's generator.
func TestPickRandSeeds(t *testing.T) {
	a, b := newPickRand(), newPickRand()
	if a.uint64() == b.uint64() {
		t.Error("two pickRands start with the same number")
	}
}
