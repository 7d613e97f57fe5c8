package upstream

import (
	"math"
	"sync"
	"testing"
	"time"
)

const ms = float64(time.Millisecond)

func TestPeakEWMA(t *testing.T) {
	tau := int64(LatencyDecay)
	e := math.Exp(-1)
	tests := []struct {
		name   string
		est    float64
		dt     int64
		sample float64
		want   float64
	}{
		{"decay over 0 s keeps the estimate", 10 * ms, 0, 0, 10 * ms},
		{"decay over 10 s divides by e", 10 * ms, tau, 0, 10 * ms * e},
		{"decay over 100 s divides by e^10", 10 * ms, 10 * tau, 0, 10 * ms * math.Exp(-10)},
		{"negative dt counts as 0", 10 * ms, -tau, 0, 10 * ms},
		{"peak replaces at once", 1 * ms, 0, 50 * ms, 50 * ms},
		{"peak replaces after a long gap", 1 * ms, 10 * tau, 50 * ms, 50 * ms},
		{"peak from no estimate", 0, 0, 3 * ms, 3 * ms},
		{"lower sample at 0 s is ignored", 10 * ms, 0, 2 * ms, 10 * ms},
		{"lower sample at 10 s", 10 * ms, tau, 2 * ms, 10*ms*e + 2*ms*(1-e)},
		{"lower sample after 100 s nearly replaces", 10 * ms, 10 * tau, 2 * ms, 10*ms*math.Exp(-10) + 2*ms*(1-math.Exp(-10))},
		{"equal sample keeps the estimate", 4 * ms, tau, 4 * ms, 4 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := peakEWMA(tc.est, tc.dt, tc.sample)
			if math.Abs(got-tc.want) > 1e-9*tc.want {
				t.Errorf("peakEWMA(%g, %d, %g) = %g; want %g", tc.est, tc.dt, tc.sample, got, tc.want)
			}
		})
	}
}

func TestPackLatency(t *testing.T) {
	tests := []struct {
		name     string
		est      float64
		tick     uint64
		wantEst  float64
		wantTick uint64
	}{
		{"one ns", 1, 0, 1, 0},
		{"below one ns is one ns", 0.25, 7, 1, 7},
		{"exact in 16 mantissa bits", 1536, 12345, 1536, 12345},
		{"one second", 1e9, latencyTimeMask, 1e9, latencyTimeMask},
		{"tick wraps at 40 bits", 1e6, latencyTimeMask + 5, 1e6, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := packLatency(tc.est, tc.tick)
			if w == 0 {
				t.Fatalf("packLatency(%g, %d) = 0; want a non-zero word", tc.est, tc.tick)
			}
			est, tick := unpackLatency(w)
			if math.Abs(est-tc.wantEst) > tc.wantEst/(1<<16) || tick != tc.wantTick {
				t.Errorf("unpackLatency(packLatency(%g, %d)) = %g, %d; want %g, %d",
					tc.est, tc.tick, est, tick, tc.wantEst, tc.wantTick)
			}
		})
	}
	// The relative error stays within 2^-16 over the range of latencies.
	for est := 1.0; est < 1e12; est *= 1.37 {
		got, _ := unpackLatency(packLatency(est, 0))
		if rel := math.Abs(got-est) / est; rel > 1.0/(1<<16) {
			t.Fatalf("unpackLatency(packLatency(%g)) = %g: relative error %g; want <= 2^-16", est, got, rel)
		}
	}
}

func TestTickDelta(t *testing.T) {
	tests := []struct {
		name    string
		at, now uint64
		want    int64
	}{
		{"same tick", 10, 10, 0},
		{"forward", 10, 25, 15},
		{"backward counts as 0", 25, 10, 0},
		{"forward across the wrap", latencyTimeMask - 1, 3, 5},
		{"largest forward gap", 0, 1<<39 - 1, 1<<39 - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tickDelta(tc.at, tc.now); got != tc.want {
				t.Errorf("tickDelta(%d, %d) = %d; want %d", tc.at, tc.now, got, tc.want)
			}
		})
	}
}

// TestNodeLatency drives a node's estimate with a fake clock.
func TestNodeLatency(t *testing.T) {
	const s = int64(time.Second)
	e := math.Exp(-1)
	type sample struct {
		at  int64
		rtt time.Duration
	}
	tests := []struct {
		name    string
		samples []sample
		readAt  int64
		want    float64 // ns; 0: no sample
	}{
		{"never answered", nil, 5 * s, 0},
		{"first sample", []sample{{s, 4 * time.Millisecond}}, s, 4 * ms},
		{"read decays over τ", []sample{{s, 4 * time.Millisecond}}, 11 * s, 4 * ms * e},
		{"read decays over 10τ", []sample{{s, 4 * time.Millisecond}}, 101 * s, 4 * ms * math.Exp(-10)},
		{"peak replaces", []sample{{s, time.Millisecond}, {2 * s, 30 * time.Millisecond}}, 2 * s, 30 * ms},
		{"lower sample blends over τ", []sample{{s, 10 * time.Millisecond}, {11 * s, 2 * time.Millisecond}}, 11 * s, 10*ms*e + 2*ms*(1-e)},
		{"sample from the past does not move time back", []sample{{10 * s, 10 * time.Millisecond}, {5 * s, time.Millisecond}}, 20 * s, 10 * ms * e},
		{"zero rtt counts as 1 ns", []sample{{s, 0}}, s, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := NewNode("10.0.0.1:80")
			for _, sm := range tc.samples {
				n.ObserveLatencyAt(sm.rtt, sm.at)
			}
			got := n.LatencyEWMA(tc.readAt)
			// Times are kept in 65.536 µs ticks and values in 16 mantissa
			// bits: allow 1e-4 relative.
			if math.Abs(got-tc.want) > 1e-4*tc.want {
				t.Errorf("LatencyEWMA(%d) = %g; want %g", tc.readAt, got, tc.want)
			}
		})
	}
}

// TestLatencyPair checks that two estimates decayed to the later sample
// time keep the ratio LatencyEWMA gives them at a later reading, and that a
// node without samples reads 0.
func TestLatencyPair(t *testing.T) {
	const s = int64(time.Second)
	tests := []struct {
		name   string
		atA    int64 // 0: no sample
		rttA   time.Duration
		atB    int64
		rttB   time.Duration
		wantLA float64
		wantLB float64
	}{
		{"same time", 3 * s, 2 * time.Millisecond, 3 * s, 5 * time.Millisecond, 2 * ms, 5 * ms},
		{"a older by τ", s, 4 * time.Millisecond, 11 * s, time.Millisecond, 4 * ms * math.Exp(-1), ms},
		{"b older by 2τ", 21 * s, time.Millisecond, s, 4 * time.Millisecond, ms, 4 * ms * math.Exp(-2)},
		{"a never answered", 0, 0, s, time.Millisecond, 0, ms},
		{"b never answered", s, time.Millisecond, 0, 0, ms, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := NewNode("10.0.0.1:80"), NewNode("10.0.0.2:80")
			if tc.atA != 0 {
				a.ObserveLatencyAt(tc.rttA, tc.atA)
			}
			if tc.atB != 0 {
				b.ObserveLatencyAt(tc.rttB, tc.atB)
			}
			la, lb := LatencyPair(a, b)
			if math.Abs(la-tc.wantLA) > 1e-4*tc.wantLA || math.Abs(lb-tc.wantLB) > 1e-4*tc.wantLB {
				t.Errorf("LatencyPair() = %g, %g; want %g, %g", la, lb, tc.wantLA, tc.wantLB)
			}
			if la == 0 || lb == 0 {
				return
			}
			later := max(tc.atA, tc.atB) + 7*s
			ra := a.LatencyEWMA(later) / b.LatencyEWMA(later)
			if r := la / lb; math.Abs(r-ra) > 1e-4*ra {
				t.Errorf("LatencyPair ratio = %g; LatencyEWMA ratio 7 s later = %g", r, ra)
			}
		})
	}
}

func TestNodeLatencyRealClock(t *testing.T) {
	n := NewNode("10.0.0.1:80")
	n.ObserveLatency(3 * time.Millisecond)
	got := n.LatencyEWMA(Nanotime())
	if got < 2.9*ms || got > 3*ms {
		t.Errorf("LatencyEWMA(Nanotime()) = %g right after a 3 ms sample; want 2.9e6..3e6", got)
	}
}

// TestNodeLatencyConcurrent checks that concurrent samples are never lost
// as a peak: the largest sample wins whatever the interleaving.
func TestNodeLatencyConcurrent(t *testing.T) {
	n := NewNode("10.0.0.1:80")
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for k := range each {
				n.ObserveLatencyAt(time.Duration(1+g*each+k), int64(time.Second))
			}
		})
	}
	wg.Wait()
	want := float64(workers * each)
	if got := n.LatencyEWMA(int64(time.Second)); math.Abs(got-want) > want/(1<<16) {
		t.Errorf("LatencyEWMA() = %g after concurrent samples at one instant; want the peak %g", got, want)
	}
}
