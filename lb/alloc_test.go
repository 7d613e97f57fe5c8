//go:build !race

package lb

import "testing"

// TestPickAllocs checks that Pick allocates nothing, on the fast path, on
// every skip path, with targets ramping (rampOpts, at the start of the
// window) and under Panic. The race detector allocates, hence the build
// tag.
func TestPickAllocs(t *testing.T) {
	type setup struct {
		name    string
		weights []int
		prio    []int
		down    []int
		tried   []int
		ramp    []int // targets ramping
		panic   bool
	}
	setups := []setup{
		{name: "all up", weights: []int{5, 1, 1, 3}},
		{name: "tried", weights: []int{5, 1, 1, 3}, tried: []int{0, 2}},
		{name: "tried past inline", weights: []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, tried: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{name: "long skip", weights: []int{200, 1}, down: []int{0}},
		{name: "priority fallback", weights: []int{50, 50, 1}, prio: []int{1, 1, 0}, down: []int{0, 1}},
		{name: "none", weights: []int{2, 3}, down: []int{0}, tried: []int{1}},
		{name: "ramping", weights: []int{5, 1, 1, 3}, ramp: []int{0}},
		{name: "all ramping", weights: []int{5, 1, 1, 3}, ramp: []int{0, 1, 2, 3}},
		{name: "ramping tried", weights: []int{5, 1, 1, 3}, ramp: []int{1, 3}, tried: []int{0}},
		{name: "panic", weights: []int{5, 1, 1, 3}, down: []int{0, 1, 2, 3}, panic: true},
		{name: "panic tried", weights: []int{5, 1, 1, 3}, down: []int{0, 1}, tried: []int{2}, panic: true},
		{name: "panic ramping", weights: []int{5, 1, 1, 3}, down: []int{0, 1, 2, 3}, ramp: []int{2}, panic: true},
	}
	for _, b := range balancers {
		for _, s := range setups {
			t.Run(b.name+"/"+s.name, func(t *testing.T) {
				ts := weighted(s.weights...)
				for i := range s.prio {
					ts[i].Priority = s.prio[i]
				}
				setDown(ts, s.down...)
				var tried Tried
				for _, i := range s.tried {
					tried.Add(i)
				}
				info := PickInfo{Panic: s.panic}
				var opts Options
				if s.ramp != nil {
					opts, info.Now = rampOpts, rampUp
					for _, i := range s.ramp {
						ts[i].Health.SetUpSince(rampUp)
					}
				}
				bal := b.new(ts, opts)
				if s.tried != nil {
					info.Tried = &tried
				}
				if n := testing.AllocsPerRun(1000, func() { bal.Pick(info) }); n != 0 {
					t.Errorf("Pick() allocates %v times per call; want 0", n)
				}
			})
		}
	}
}

// TestTriedAllocs checks that a Tried reused through Reset stops
// allocating once it has grown.
func TestTriedAllocs(t *testing.T) {
	var tr Tried
	fill := func() {
		tr.Reset()
		for i := range 20 {
			tr.Add(i)
		}
		tr.Has(19)
	}
	fill()
	if n := testing.AllocsPerRun(100, fill); n != 0 {
		t.Errorf("Reset, Add and Has allocate %v times per round; want 0", n)
	}
}
