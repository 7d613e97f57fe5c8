//go:build !race

package lb

import (
	"slices"
	"testing"
)

// TestLeastConnPickAllocs checks that Pick allocates nothing on the full
// scan and on the two-choices path, with requests in flight, targets down
// or tried, and half the targets ramping. The race detector allocates,
// hence the build tag.
func TestLeastConnPickAllocs(t *testing.T) {
	for _, n := range []int{5, lcExactLimit + 1, 1000} {
		ts := weighted(slices.Repeat([]int{1, 3}, n/2+1)[:n]...)
		for i := range ts {
			for range i % 4 {
				ts[i].Node.Begin()
			}
		}
		setDown(ts, 1, n-1)
		var tried Tried
		tried.Add(0)
		for i := 0; i < n; i += 2 {
			ts[i].Health.SetUpSince(rampUp)
		}
		for _, info := range []PickInfo{{Tried: &tried}, {Tried: &tried, Now: rampUp}} {
			lc := NewLeastConn(ts, rampOpts)
			if a := testing.AllocsPerRun(1000, func() { lc.Pick(info) }); a != 0 {
				t.Errorf("%d targets, now %d: Pick() allocates %v times per call; want 0", n, info.Now, a)
			}
		}
	}
}
