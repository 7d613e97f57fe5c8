package lb

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// nginxSequence is the literal per-step loop of smooth weighted round robin
// (every current weight grows by its weight, the first largest is chosen
// and drops by the total), run for steps steps. It is the reference that
// smoothSequence must match.
func nginxSequence(w []int, steps int) []int32 {
	current := make([]int, len(w))
	total := 0
	for _, x := range w {
		total += x
	}
	seq := make([]int32, 0, steps)
	for range steps {
		best := -1
		for i, x := range w {
			current[i] += x
			if best < 0 || current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		seq = append(seq, int32(best))
	}
	return seq
}

func TestSmoothSequence(t *testing.T) {
	tests := []struct {
		name string
		w    []int
		want []int32
	}{
		{"nginx doc 5 1 1", []int{5, 1, 1}, []int32{0, 0, 1, 0, 2, 0, 0}},
		{"3 1", []int{3, 1}, []int32{0, 0, 1, 0}},
		{"1 3", []int{1, 3}, []int32{1, 0, 1, 1}},
		{"equal", []int{1, 1, 1}, []int32{0, 1, 2}},
		{"single", []int{4}, []int32{0, 0, 0, 0}},
		{"2 2 1", []int{2, 2, 1}, []int32{0, 1, 2, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := smoothSequence(tc.w); !slices.Equal(got, tc.want) {
				t.Errorf("smoothSequence(%v) = %v; want %v", tc.w, got, tc.want)
			}
		})
	}
}

func TestSmoothSequenceMatchesNginx(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		w := make([]int, 1+rng.IntN(12))
		for i := range w {
			// Few distinct values in some trials, many in others, so both
			// ties within a weight class and across classes are exercised.
			if trial%2 == 0 {
				w[i] = 1 + rng.IntN(3)
			} else {
				w[i] = 1 + rng.IntN(40)
			}
		}
		got := smoothSequence(w)
		want := nginxSequence(w, len(got))
		if !slices.Equal(got, want) {
			t.Fatalf("smoothSequence(%v) = %v; want %v", w, got, want)
		}
		// The reference continues with the same cycle.
		if again := nginxSequence(w, 2*len(got)); !slices.Equal(again[len(got):], got) {
			t.Fatalf("nginx sequence for %v does not repeat after %d steps", w, len(got))
		}
		for i, x := range w {
			if c := count(got, int32(i)); c != x {
				t.Fatalf("smoothSequence(%v): member %d appears %d times; want %d", w, i, c, x)
			}
		}
	}
}

func count(seq []int32, v int32) int {
	n := 0
	for _, x := range seq {
		if x == v {
			n++
		}
	}
	return n
}
