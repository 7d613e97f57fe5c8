//go:build !race

package lb

import (
	"slices"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/upstream"
)

// TestEWMAPickAllocs checks that Pick allocates nothing when the
// candidates have latency estimates and requests in flight, and with half
// the targets ramping. The race detector allocates, hence the build tag.
func TestEWMAPickAllocs(t *testing.T) {
	for _, n := range []int{2, 3, 1000} {
		ts := weighted(slices.Repeat([]int{1, 3}, n/2+1)[:n]...)
		for i := range ts {
			ts[i].Node.ObserveLatency(time.Duration(1+i%5) * time.Millisecond)
			for range i % 3 {
				ts[i].Node.Begin()
			}
		}
		var tried Tried
		if n > 2 {
			tried.Add(0)
		}
		for i := 0; i < n; i += 2 {
			ts[i].Health.SetUpSince(rampUp)
		}
		for _, b := range []*EWMA{NewEWMA(ts, Options{}), NewEWMA(ts, rampOpts)} {
			for _, info := range []PickInfo{{Tried: &tried}, {Tried: &tried, Now: rampUp}} {
				if a := testing.AllocsPerRun(1000, func() { b.Pick(info) }); a != 0 {
					t.Errorf("%d targets, now %d: Pick() allocates %v times per call; want 0", n, info.Now, a)
				}
			}
		}
	}
}

// TestObserveLatencyAllocs checks that recording and reading a latency
// sample allocates nothing.
func TestObserveLatencyAllocs(t *testing.T) {
	n := upstream.NewNode("10.0.0.1:80")
	rtt := time.Millisecond
	if a := testing.AllocsPerRun(1000, func() {
		rtt = rtt*7/8 + time.Microsecond
		n.ObserveLatency(rtt)
		n.LatencyEWMA(upstream.Nanotime())
	}); a != 0 {
		t.Errorf("ObserveLatency and LatencyEWMA allocate %v times per call; want 0", a)
	}
}
