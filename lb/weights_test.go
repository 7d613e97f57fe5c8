package lb

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCycleWeights(t *testing.T) {
	tests := []struct {
		name  string
		w     []int
		limit int
		want  []int
	}{
		{"empty", nil, 10, []int{}},
		{"coprime", []int{5, 1, 1}, 100, []int{5, 1, 1}},
		{"common divisor", []int{10, 2, 2}, 100, []int{5, 1, 1}},
		{"single", []int{7}, 100, []int{1}},
		{"equal", []int{3, 3, 3}, 100, []int{1, 1, 1}},
		{"sum at limit", []int{9, 1}, 10, []int{9, 1}},
		{"divisor brings sum to limit", []int{90, 10}, 10, []int{9, 1}},
		{"scaled", []int{99, 1}, 10, []int{9, 1}},
		{"scaled keeps small at 1", []int{1000, 1, 1}, 10, []int{8, 1, 1}},
		{"scaled then divided", []int{50, 50, 1}, 4, []int{1, 1, 1}},
		{"more members than limit", []int{3, 1, 2, 5}, 3, []int{1, 1, 1, 1}},
		{"scaled rounds down", []int{5, 3, 2}, 5, []int{3, 1, 1}},
		{"default limit", []int{100000, 1}, tableLimit, []int{65535, 1}},
		{"huge weights", []int{math.MaxInt, math.MaxInt / 2}, 100, []int{67, 33}},
		{"huge and tiny", []int{math.MaxInt, 1}, 100, []int{99, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cycleWeights(tc.w, tc.limit); !slices.Equal(got, tc.want) {
				t.Errorf("cycleWeights(%v, %d) = %v; want %v", tc.w, tc.limit, got, tc.want)
			}
		})
	}
}

func TestCycleWeightsBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		w := make([]int, 1+rng.IntN(20))
		for i := range w {
			w[i] = 1 + rng.IntN(1+rng.IntN(1_000_000))
		}
		limit := 1 + rng.IntN(200)
		got := cycleWeights(w, limit)
		sum := 0
		for i, x := range got {
			if x < 1 {
				t.Fatalf("cycleWeights(%v, %d)[%d] = %d; want >= 1", w, limit, i, x)
			}
			sum += x
		}
		if sum > max(limit, len(w)) {
			t.Fatalf("cycleWeights(%v, %d) sums to %d; want <= %d", w, limit, sum, max(limit, len(w)))
		}
		// Scaling keeps the order of the weights.
		for i := range w {
			for j := range w {
				if w[i] < w[j] && got[i] > got[j] {
					t.Fatalf("cycleWeights(%v, %d) = %v: order of %d and %d inverted", w, limit, got, i, j)
				}
			}
		}
	}
}

func TestGCD(t *testing.T) {
	tests := []struct{ a, b, want uint64 }{
		{0, 0, 0},
		{0, 7, 7},
		{7, 0, 7},
		{12, 18, 6},
		{17, 5, 1},
		{1 << 40, 1 << 20, 1 << 20},
	}
	for _, tc := range tests {
		if got := gcd(tc.a, tc.b); got != tc.want {
			t.Errorf("gcd(%d, %d) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
