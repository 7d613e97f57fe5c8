package lb

import (
	"math"
	"slices"
	"testing"

	"github.com/jetwayhq/jetway/upstream"
)

func init() {
	balancers = append(balancers, balancerCase{"random", func(ts []Target, o Options) Balancer { return NewRandom(ts, o) }})
}

// checkShares fails unless counts, from n picks, lie within 6 standard
// deviations of the binomial mean n*p for each expected share p:
// |count - n*p| <= 6*sqrt(n*p*(1-p)). A correct balancer misses one such
// bound with probability about 2e-9, so the unseeded generator does not
// make the suite flaky; at n = 100,000 the bound is still under 1% of
// every share above 0.1. A share of 0 or 1 must be exact.
func checkShares(t *testing.T, counts []int, n int, want []float64) {
	t.Helper()
	for i, p := range want {
		mean := float64(n) * p
		bound := 6 * math.Sqrt(float64(n)*p*(1-p))
		if d := math.Abs(float64(counts[i]) - mean); d > bound {
			t.Errorf("target %d picked %d times in %d; want %.0f ± %.0f (share %.4f)", i, counts[i], n, mean, bound, p)
		}
	}
}

// countPicks calls Pick n times with info and counts the picks of each of
// size targets.
func countPicks(t *testing.T, b Balancer, info PickInfo, size, n int) []int {
	t.Helper()
	counts := make([]int, size)
	for _, i := range picks(t, b, info, n) {
		counts[i]++
	}
	return counts
}

// TestRandomShares checks that picks fall in proportion to weight among
// the usable targets of the highest priority group. Every case keeps at
// least 80% of the group's weight usable, so the scan after randomRedraws
// misses (probability at most 0.2^8 per pick) cannot move a count.
func TestRandomShares(t *testing.T) {
	const n = 100_000
	tests := []struct {
		name     string
		weights  []int
		priority []int
		down     []int
		tried    []int
		want     []float64
	}{
		{name: "1 2 7", weights: []int{1, 2, 7}, want: []float64{0.1, 0.2, 0.7}},
		{name: "equal", weights: []int{1, 1, 1, 1}, want: []float64{0.25, 0.25, 0.25, 0.25}},
		{name: "weight 0", weights: []int{3, 0, 1}, want: []float64{0.75, 0, 0.25}},
		{name: "down redistributes", weights: []int{1, 2, 7, 10}, down: []int{1},
			want: []float64{1.0 / 18, 0, 7.0 / 18, 10.0 / 18}},
		{name: "tried redistributes", weights: []int{6, 2, 2}, tried: []int{2},
			want: []float64{0.75, 0.25, 0}},
		{name: "priority", weights: []int{1, 3, 100}, priority: []int{1, 1, 0},
			want: []float64{0.25, 0.75, 0}},
		{name: "priority fallback", weights: []int{1, 3, 100, 300}, priority: []int{1, 1, 0, 0}, down: []int{0, 1},
			want: []float64{0, 0, 0.25, 0.75}},
		{name: "huge weights", weights: []int{math.MaxInt, math.MaxInt / 3}, want: []float64{0.75, 0.25}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := weighted(tc.weights...)
			for i, p := range tc.priority {
				ts[i].Priority = p
			}
			setDown(ts, tc.down...)
			var tried Tried
			for _, i := range tc.tried {
				tried.Add(i)
			}
			counts := countPicks(t, NewRandom(ts, Options{}), PickInfo{Tried: &tried}, len(ts), n)
			checkShares(t, counts, n, tc.want)
		})
	}
}

// TestRandomScan checks the path after every draw misses: in a large
// group with one usable target, Pick finds it on every call.
func TestRandomScan(t *testing.T) {
	tests := []struct {
		name string
		up   int
	}{
		{"first", 0},
		{"middle", 517},
		{"last", 999},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]int, 1000)
			down := make([]int, 0, len(w))
			for i := range w {
				w[i] = 1 + i%5
				if i != tc.up {
					down = append(down, i)
				}
			}
			ts := weighted(w...)
			setDown(ts, down...)
			r := NewRandom(ts, Options{})
			for range 200 {
				if i, ok := r.Pick(PickInfo{}); !ok || i != tc.up {
					t.Fatalf("Pick() = %d, %t; want %d, true", i, ok, tc.up)
				}
			}
		})
	}
}

func TestRandomCopiesTargets(t *testing.T) {
	ts := weighted(1, 1)
	r := NewRandom(ts, Options{})
	ts[0].Node = upstream.NewNode("10.9.9.9:80")
	ts[0].Health = upstream.NewHealth("10.9.9.9:80")
	markDown(ts[0], true)
	ts[1].Weight = 0
	counts := countPicks(t, r, PickInfo{}, 2, 1000)
	if counts[0] == 0 || counts[1] == 0 {
		t.Errorf("picks per target = %v; want both picked", counts)
	}
}

func TestPrefixIndex(t *testing.T) {
	ends := []uint64{1, 3, 10}
	tests := []struct {
		name string
		ends []uint64
		r    uint64
		want int
	}{
		{"first", ends, 0, 0},
		{"second start", ends, 1, 1},
		{"second end", ends, 2, 1},
		{"third start", ends, 3, 2},
		{"third end", ends, 9, 2},
		{"past total", ends, 10, 3},
		{"single", []uint64{4}, 3, 0},
		{"empty", nil, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := prefixIndex(tc.ends, tc.r); got != tc.want {
				t.Errorf("prefixIndex(%v, %d) = %d; want %d", tc.ends, tc.r, got, tc.want)
			}
		})
	}
}

func TestDrawWeights(t *testing.T) {
	tests := []struct {
		name string
		w    []int
		want []uint64
	}{
		{"empty", nil, []uint64{}},
		{"small kept", []int{1, 2, 7}, []uint64{1, 2, 7}},
		{"just below limit", []int{maxDrawWeight - 1, 1}, []uint64{maxDrawWeight - 1, 1}},
		{"at limit", []int{maxDrawWeight, 2}, []uint64{maxDrawWeight / 2, 1}},
		{"max int", []int{math.MaxInt, math.MaxInt / 2}, []uint64{maxDrawWeight - 1, maxDrawWeight/2 - 1}},
		{"tiny stays 1", []int{math.MaxInt, 1}, []uint64{maxDrawWeight - 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := drawWeights(tc.w); !slices.Equal(got, tc.want) {
				t.Errorf("drawWeights(%v) = %v; want %v", tc.w, got, tc.want)
			}
		})
	}
}
