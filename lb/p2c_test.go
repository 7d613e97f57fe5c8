package lb

import (
	"math"
	"testing"

	"github.com/jetwayhq/jetway/upstream"
)

func init() {
	balancers = append(balancers, balancerCase{"p2c", func(ts []Target, o Options) Balancer { return NewP2C(ts, o) }})
}

// windowPicks calls Pick n times, opening each pick with Begin and closing
// it with End once window later picks have been opened, so window requests
// stay in flight. It returns the picks of each target and leaves nothing
// in flight.
func windowPicks(t *testing.T, b Balancer, ts []Target, window, n int) []int {
	t.Helper()
	counts := make([]int, len(ts))
	open := make([]int, 0, n)
	for k := range n {
		i, ok := b.Pick(PickInfo{})
		if !ok {
			t.Fatalf("pick %d: Pick() ok = false; want true", k)
		}
		counts[i]++
		ts[i].Node.Begin()
		open = append(open, i)
		if k >= window {
			ts[open[k-window]].Node.End(upstream.Success, nil)
		}
	}
	for _, i := range open[max(0, n-window):] {
		ts[i].Node.End(upstream.Success, nil)
	}
	return counts
}

// TestP2CAvoidsLoaded checks that a target holding requests in flight
// (Begin without End) loses to every less loaded one. The two candidates
// are distinct, so a target strictly more loaded than all others in its
// group is never picked: the bound is 0 picks. The others share the rest
// within the ±6σ binomial bound of checkShares.
func TestP2CAvoidsLoaded(t *testing.T) {
	const n = 20_000
	tests := []struct {
		name    string
		weights []int
		load    []int // in flight per target; nil: none
		want    []float64
	}{
		{name: "one loaded of 4", weights: []int{1, 1, 1, 1}, load: []int{1000, 0, 0, 0},
			want: []float64{0, 1.0 / 3, 1.0 / 3, 1.0 / 3}},
		{name: "loaded heavy", weights: []int{10, 1, 1}, load: []int{100, 0, 0},
			want: []float64{0, 0.5, 0.5}},
		{name: "two of 2", weights: []int{1, 1}, load: []int{1, 0}, want: []float64{0, 1}},
		{name: "weight outweighs load", weights: []int{8, 1}, load: []int{6, 0}, want: []float64{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := weighted(tc.weights...)
			for i, l := range tc.load {
				for range l {
					ts[i].Node.Begin()
				}
			}
			counts := countPicks(t, NewP2C(ts, Options{}), PickInfo{}, len(ts), n)
			checkShares(t, counts, n, tc.want)
		})
	}
}

// p2cWindow is how many requests windowPicks keeps in flight.
const p2cWindow = 120

// TestP2CEven checks that equal targets under load share picks evenly.
// Every pick stays in flight for the next p2cWindow picks. Two choices keep
// each target's requests in flight near p2cWindow/len, so each count lies
// within 1% of n/len (over 300 runs the worst seen was 0.6%): far inside
// the ±4σ binomial spread of independent random picks, about ±2.2% for 4
// targets and ±3.6% for 10 at this n.
func TestP2CEven(t *testing.T) {
	const n = 100_000
	tests := []struct {
		name    string
		targets int
	}{
		{"2", 2},
		{"4", 4},
		{"10", 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]int, tc.targets)
			for i := range w {
				w[i] = 5
			}
			ts := weighted(w...)
			counts := windowPicks(t, NewP2C(ts, Options{}), ts, p2cWindow, n)
			mean := float64(n) / float64(tc.targets)
			for i, c := range counts {
				if d := math.Abs(float64(c) - mean); d > 0.01*mean {
					t.Errorf("target %d picked %d times in %d; want %.0f ± %.0f", i, c, n, mean, 0.01*mean)
				}
			}
		})
	}
}

// TestP2CWeighted checks that under load picks follow weight. The loads
// settle where (InFlight+1)/Weight is equal across targets: with W
// requests open over k targets of total weight S, target i holds
// (W+k)*w_i/S - 1 of them and so takes that fraction of W of the picks.
// Each count lies within 2% of that share of n (over 300 runs the worst
// seen was 0.9%).
func TestP2CWeighted(t *testing.T) {
	const n = 100_000
	tests := []struct {
		name    string
		weights []int
	}{
		{"1 3", []int{1, 3}},
		{"1 2 3", []int{1, 2, 3}},
		{"2 1 1 4", []int{2, 1, 1, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := weighted(tc.weights...)
			counts := windowPicks(t, NewP2C(ts, Options{}), ts, p2cWindow, n)
			sum := 0
			for _, w := range tc.weights {
				sum += w
			}
			k := float64(len(ts))
			for i, c := range counts {
				held := (p2cWindow+k)*float64(tc.weights[i])/float64(sum) - 1
				mean := float64(n) * held / p2cWindow
				if d := math.Abs(float64(c) - mean); d > 0.02*mean {
					t.Errorf("target %d picked %d times in %d; want %.0f ± %.0f", i, c, n, mean, 0.02*mean)
				}
			}
		})
	}
}

// TestP2CSingleUsable checks that a group whose only usable target is also
// the most loaded returns it, whether the others are down, tried or of
// weight 0, and that a lower priority group is not consulted.
func TestP2CSingleUsable(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		prio    []int
		down    []int
		tried   []int
		want    int
	}{
		{name: "single", weights: []int{1}, want: 0},
		{name: "others down", weights: []int{4, 1, 9, 2}, down: []int{0, 2, 3}, want: 1},
		{name: "others tried", weights: []int{4, 1, 9, 2}, tried: []int{0, 1, 3}, want: 2},
		{name: "others weight 0", weights: []int{0, 3, 0}, want: 1},
		{name: "lower group idle", weights: []int{1, 1, 5}, prio: []int{2, 2, 1}, down: []int{1}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := weighted(tc.weights...)
			for i, p := range tc.prio {
				ts[i].Priority = p
			}
			setDown(ts, tc.down...)
			ts[tc.want].Node.Begin()
			var tried Tried
			for _, i := range tc.tried {
				tried.Add(i)
			}
			p := NewP2C(ts, Options{})
			for range 100 {
				if i, ok := p.Pick(PickInfo{Tried: &tried}); !ok || i != tc.want {
					t.Fatalf("Pick() = %d, %t; want %d, true", i, ok, tc.want)
				}
			}
		})
	}
}

// TestP2CScanSecond checks the path where every draw of the second
// candidate misses: in a large group with two usable targets, the less
// loaded one is picked whichever is drawn first.
func TestP2CScanSecond(t *testing.T) {
	w := make([]int, 1000)
	down := make([]int, 0, len(w))
	for i := range w {
		w[i] = 1
		if i != 3 && i != 800 {
			down = append(down, i)
		}
	}
	ts := weighted(w...)
	setDown(ts, down...)
	ts[3].Node.Begin()
	p := NewP2C(ts, Options{})
	for range 200 {
		if i, ok := p.Pick(PickInfo{}); !ok || i != 800 {
			t.Fatalf("Pick() = %d, %t; want 800, true", i, ok)
		}
	}
}

func TestP2CLess(t *testing.T) {
	const big = math.MaxUint64 / 2
	tests := []struct {
		name           string
		la, wa, lb, wb uint64
		want           bool
	}{
		{"idle equal", 0, 1, 0, 1, false},
		{"less in flight", 0, 1, 1, 1, true},
		{"more in flight", 2, 1, 1, 1, false},
		{"weight wins", 3, 4, 0, 1, false}, // 4/4 vs 1/1: tie
		{"weight wins strictly", 2, 4, 0, 1, true},
		{"heavier idle", 0, 3, 0, 1, true},
		{"products past 64 bits", big, maxDrawWeight - 2, big, maxDrawWeight - 1, false},
		{"products past 64 bits heavier", big, maxDrawWeight - 1, big, maxDrawWeight - 2, true},
		{"products past 64 bits less", big - 1, maxDrawWeight - 1, big, maxDrawWeight - 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := p2cLess(tc.la, tc.wa, tc.lb, tc.wb); got != tc.want {
				t.Errorf("p2cLess(%d, %d, %d, %d) = %t; want %t", tc.la, tc.wa, tc.lb, tc.wb, got, tc.want)
			}
		})
	}
}

// TestP2CNegativeInFlight checks that a node ended more often than begun
// counts as idle, not as a huge load.
func TestP2CNegativeInFlight(t *testing.T) {
	ts := weighted(1, 1)
	ts[0].Node.End(upstream.Success, nil)
	ts[1].Node.Begin()
	p := NewP2C(ts, Options{})
	for range 50 {
		if i, ok := p.Pick(PickInfo{}); !ok || i != 0 {
			t.Fatalf("Pick() = %d, %t; want 0, true", i, ok)
		}
	}
}
