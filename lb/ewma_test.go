package lb

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/upstream"
)

func init() {
	balancers = append(balancers, balancerCase{"ewma", func(ts []Target, o Options) Balancer { return NewEWMA(ts, o) }})
}

func TestCheaper(t *testing.T) {
	tests := []struct {
		name     string
		la       float64
		ina      int64
		wa       float64
		lb       float64
		inb      int64
		wb       float64
		want     bool
		wantBack bool // cheaper with a and b swapped
	}{
		{"lower latency", 1, 0, 1, 2, 0, 1, true, false},
		{"equal is not cheaper", 5, 1, 1, 5, 1, 1, false, false},
		{"in flight multiplies", 1, 2, 1, 2, 0, 1, false, true},
		{"weight divides", 3, 0, 4, 1, 0, 1, true, false},
		{"no estimate takes the other's", 0, 0, 1, 9, 1, 1, true, false},
		{"no estimate, more in flight", 0, 3, 1, 9, 1, 1, false, true},
		{"neither has an estimate", 0, 1, 1, 0, 0, 1, false, true},
		{"negative in flight counts as 0", 2, -5, 1, 2, 0, 1, false, false},
		{"ramped weight divides", 1, 0, 100, 1, 11, 1000, true, false}, // 1/100 vs 12/1000
		{"ramped weight loses", 1, 0, 100, 1, 5, 1000, false, true},    // 1/100 vs 6/1000
		{"ramped weight ties", 1, 0, 100, 1, 9, 1000, false, false},
		{"ramp at 0% loses", 1, 0, 0, 1, 1000, 1, false, true},
		{"both at 0% tie", 1, 0, 0, 1, 0, 0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cheaper(tc.la, tc.ina, tc.wa, tc.lb, tc.inb, tc.wb); got != tc.want {
				t.Errorf("cheaper(%g, %d, %g, %g, %d, %g) = %t; want %t", tc.la, tc.ina, tc.wa, tc.lb, tc.inb, tc.wb, got, tc.want)
			}
			if got := cheaper(tc.lb, tc.inb, tc.wb, tc.la, tc.ina, tc.wa); got != tc.wantBack {
				t.Errorf("cheaper(%g, %d, %g, %g, %d, %g) = %t; want %t", tc.lb, tc.inb, tc.wb, tc.la, tc.ina, tc.wa, got, tc.wantBack)
			}
		})
	}
}

// ewmaSim places requests on an EWMA balancer under a fake clock: one
// request every gap, each held in flight for its target's latency, then
// ended and observed at its answer time.
type ewmaSim struct {
	ts      []Target
	b       *EWMA
	now     int64
	pending []ewmaDone
}

type ewmaDone struct {
	at  int64
	rtt time.Duration
	i   int
}

func newEWMASim(ts []Target) *ewmaSim {
	s := &ewmaSim{ts: ts}
	s.b = NewEWMA(ts, Options{})
	return s
}

// run places n requests, latency[i] being target i's answer time, and
// returns how many each target got.
func (s *ewmaSim) run(t *testing.T, n int, gap time.Duration, latency []time.Duration) []int {
	t.Helper()
	counts := make([]int, len(s.ts))
	for range n {
		s.now += int64(gap)
		s.complete()
		i, ok := s.b.Pick(PickInfo{})
		if !ok {
			t.Fatal("Pick() ok = false; want true")
		}
		counts[i]++
		s.ts[i].Node.Begin()
		s.pending = append(s.pending, ewmaDone{at: s.now + int64(latency[i]), rtt: latency[i], i: i})
	}
	return counts
}

// complete ends and observes every request due by now, earliest first.
func (s *ewmaSim) complete() {
	slices.SortFunc(s.pending, func(a, b ewmaDone) int { return cmp.Compare(a.at, b.at) })
	k := 0
	for ; k < len(s.pending) && s.pending[k].at <= s.now; k++ {
		d := s.pending[k]
		s.ts[d.i].Node.End(0, nil)
		s.ts[d.i].Node.ObserveLatencyAt(d.rtt, d.at)
	}
	s.pending = s.pending[k:]
}

func share(counts []int, i int) float64 {
	sum := 0
	for _, c := range counts {
		sum += c
	}
	return float64(counts[i]) / float64(sum)
}

// TestEWMASlowNode gives one target 10 times the latency of the others.
// Every target starts with an estimate of its own latency; requests arrive
// every 200 µs for 30 s of fake time, so a 1 ms target holds a few in
// flight. The slow target wins a comparison only once its estimate has
// decayed below a fast candidate's cost (about τ·ln(10/3.5) ≈ 10 s after
// its last answer), and its answer restores the 10 ms peak: the test
// states a share of at most 1% (an even split would be 1/n), and at least
// one such probe.
func TestEWMASlowNode(t *testing.T) {
	for _, n := range []int{2, 3, 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ts := weighted(slices.Repeat([]int{1}, n)...)
			lat := slices.Repeat([]time.Duration{time.Millisecond}, n)
			lat[n-1] = 10 * time.Millisecond
			s := newEWMASim(ts)
			for i := range ts {
				ts[i].Node.ObserveLatencyAt(lat[i], 0)
			}
			counts := s.run(t, 150000, 200*time.Microsecond, lat)
			if got := share(counts, n-1); got > 0.01 {
				t.Errorf("slow target share = %.4f (counts %v); want at most 0.01", got, counts)
			}
			if counts[n-1] == 0 {
				t.Errorf("slow target never picked in 30 s (counts %v); want an occasional probe", counts)
			}
		})
	}
}

// TestEWMANewNode adds a target with no samples to two answering at 1 ms.
// It is costed at its competitor's latency until it answers, so it gets
// traffic at once but no flood: over the first 2 ms (10 picks, before its
// first answer), at most the 1/2 a pairwise in-flight tie allows and at
// least 1 pick; over 4 s, a share within 0.2..0.5 of an even 1/3.
func TestEWMANewNode(t *testing.T) {
	ts := weighted(1, 1, 1)
	lat := []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	s := newEWMASim(ts)
	ts[0].Node.ObserveLatencyAt(time.Millisecond, 0)
	ts[1].Node.ObserveLatencyAt(time.Millisecond, 0)
	first := s.run(t, 10, 200*time.Microsecond, lat)
	if first[2] == 0 || first[2] > 5 {
		t.Errorf("new target got %d of the first 10 picks (counts %v); want 1..5", first[2], first)
	}
	counts := s.run(t, 20000, 200*time.Microsecond, lat)
	if got := share(counts, 2); got < 0.2 || got > 0.5 {
		t.Errorf("new target share = %.3f (counts %v); want 0.2..0.5", got, counts)
	}
}

// TestEWMARecovery: target 0 last answered slowly, ratio times target 1's
// 1 ms, and has recovered to 1 ms. Picks are sequential (a 10 ms gap,
// longer than any latency), so the cost is the latency estimate alone and
// the choice between the two is exact. Target 0's estimate decays toward
// 0 and it is picked again once it reads below 1 ms: after τ·ln(ratio) of
// fake time (11 s for 3×, 30 s for 20×), checked within 0.95..1.1 of that.
// Each answer then pulls its estimate down to 1 ms; from 12τ on it holds
// 0.4..0.6 of the picks.
func TestEWMARecovery(t *testing.T) {
	const gap = 10 * time.Millisecond
	for _, ratio := range []int{3, 20} {
		t.Run(fmt.Sprint(ratio), func(t *testing.T) {
			ts := weighted(1, 1)
			lat := []time.Duration{time.Millisecond, time.Millisecond}
			s := newEWMASim(ts)
			ts[0].Node.ObserveLatencyAt(time.Duration(ratio)*time.Millisecond, 0)
			ts[1].Node.ObserveLatencyAt(time.Millisecond, 0)
			want := float64(upstream.LatencyDecay) * math.Log(float64(ratio))
			var first int64
			for s.now < int64(3*want) && first == 0 {
				if c := s.run(t, 1, gap, lat); c[0] == 1 {
					first = s.now
				}
			}
			if r := float64(first) / want; r < 0.95 || r > 1.1 {
				t.Errorf("first pick of the recovered target at %v; want %v (0.95..1.1 of τ·ln %d)",
					time.Duration(first), time.Duration(want), ratio)
			}
			s.run(t, int((12*upstream.LatencyDecay-time.Duration(s.now))/gap), gap, lat)
			late := s.run(t, 1000, gap, lat)
			if got := share(late, 0); got < 0.4 || got > 0.6 {
				t.Errorf("recovered target share from 12τ = %.3f (counts %v); want 0.4..0.6", got, late)
			}
		})
	}
}

// TestEWMAPriority checks that a fast low-priority target is not used
// while a slow high-priority one is usable.
func TestEWMAPriority(t *testing.T) {
	ts := weighted(1, 1, 1)
	ts[0].Priority = 1
	ts[0].Node.ObserveLatencyAt(time.Second, 0)
	ts[1].Node.ObserveLatencyAt(time.Millisecond, 0)
	ts[2].Node.ObserveLatencyAt(time.Millisecond, 0)
	b := NewEWMA(ts, Options{})
	if got := picks(t, b, PickInfo{}, 20); !slices.Equal(got, slices.Repeat([]int{0}, 20)) {
		t.Errorf("Pick() sequence = %v; want target 0 only", got)
	}
	markDown(ts[0], true)
	for _, i := range picks(t, b, PickInfo{}, 20) {
		if i == 0 {
			t.Fatal("Pick() = 0 while it is down; want 1 or 2")
		}
	}
}

// TestEWMAWeights: two targets with equal latency and no requests held,
// weights 3 and 1. The cost divides by weight, so the heavy one always
// wins; with weights equal both take about half. Bound for the equal case:
// 10000 fair coin flips stay within 0.45..0.55 with probability above
// 1 - 1e-20.
func TestEWMAWeights(t *testing.T) {
	ts := weighted(3, 1)
	ts[0].Node.ObserveLatencyAt(time.Millisecond, 0)
	ts[1].Node.ObserveLatencyAt(time.Millisecond, 0)
	b := NewEWMA(ts, Options{})
	for _, i := range picks(t, b, PickInfo{}, 100) {
		if i != 0 {
			t.Fatalf("Pick() = %d; want 0, the heavier of two equally fast targets", i)
		}
	}
	ts = weighted(2, 2)
	b = NewEWMA(ts, Options{})
	counts := make([]int, 2)
	for _, i := range picks(t, b, PickInfo{}, 10000) {
		counts[i]++
	}
	if got := share(counts, 0); math.Abs(got-0.5) > 0.05 {
		t.Errorf("target 0 share = %.3f (counts %v) between equal targets; want 0.45..0.55", got, counts)
	}
}
