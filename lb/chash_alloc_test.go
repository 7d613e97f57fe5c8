//go:build !race

package lb

import "testing"

// TestCHashPickAllocs checks that CHash.Pick allocates nothing with and
// without a key, with a Tried set, on the long walk, with bounded load
// spilling, with targets ramping (rampOpts, at the start of the window)
// and under Panic. The race detector allocates, hence the build tag.
func TestCHashPickAllocs(t *testing.T) {
	tests := []struct {
		name     string
		factor   int
		down     []int
		tried    []int
		inFlight []int // Begin count per target
		ramp     []int // targets ramping
		panic    bool
		hasHash  bool
	}{
		{name: "hash", hasHash: true},
		{name: "no hash"},
		{name: "hash tried past inline", tried: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, hasHash: true},
		{name: "no hash tried", tried: []int{1, 3}},
		{name: "long walk", down: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, hasHash: true},
		{name: "bounded idle", factor: 125, hasHash: true},
		{name: "bounded spill", factor: 125, inFlight: []int{40, 40, 40, 40, 40, 40, 0, 0, 0, 0, 0, 0}, hasHash: true},
		{name: "bounded fallback", factor: 125, inFlight: []int{40, 40, 40, 40, 40, 40}, tried: []int{6, 7, 8, 9, 10, 11}, hasHash: true},
		{name: "none", down: []int{0, 1, 2, 3, 4, 5}, tried: []int{6, 7, 8, 9, 10, 11}, hasHash: true},
		{name: "hash ramping", ramp: []int{0, 3, 9}, hasHash: true},
		{name: "no hash ramping", ramp: []int{0, 3, 9}},
		{name: "ramp fallback", ramp: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, hasHash: true},
		{name: "bounded ramping", factor: 125, ramp: []int{0, 3}, inFlight: []int{40, 40, 40, 40, 40, 40, 0, 0, 0, 0, 0, 0}, hasHash: true},
		{name: "panic", down: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, panic: true, hasHash: true},
		{name: "panic bounded", factor: 125, down: []int{0, 1, 2, 3, 4, 5}, inFlight: []int{40, 40, 40}, panic: true, hasHash: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := weighted(1, 2, 1, 3, 1, 1, 2, 1, 1, 4, 1, 1)
			setDown(ts, tc.down...)
			for i, n := range tc.inFlight {
				for range n {
					ts[i].Node.Begin()
				}
			}
			var tried Tried
			for _, i := range tc.tried {
				tried.Add(i)
			}
			info := PickInfo{Tried: &tried, HasHash: tc.hasHash, Panic: tc.panic}
			opts := Options{HashBalanceFactor: tc.factor}
			if tc.ramp != nil {
				opts.SlowStart, info.Now = rampOpts.SlowStart, rampUp
				for _, i := range tc.ramp {
					ts[i].Health.SetUpSince(rampUp)
				}
			}
			c := NewCHash(ts, opts)
			hashes := keyHashes(64)
			k := 0
			if n := testing.AllocsPerRun(1000, func() {
				info.Hash = hashes[k%len(hashes)]
				k++
				c.Pick(info)
			}); n != 0 {
				t.Errorf("Pick() allocates %v times per call; want 0", n)
			}
		})
	}
}
