//go:build !race

package lb

import "testing"

// TestRandomP2CAllocs checks that Random and P2C allocate nothing on the
// paths TestPickAllocs does not reach: the scan after every draw misses in
// a large group, the second candidate's scan, and load comparison, each
// also with every other target ramping. The race detector allocates,
// hence the build tag.
func TestRandomP2CAllocs(t *testing.T) {
	type setup struct {
		name  string
		size  int
		up    []int // nil: all up
		load  []int // in flight per target
		tried []int
	}
	setups := []setup{
		{name: "scan to one", size: 1000, up: []int{700}},
		{name: "scan to two", size: 1000, up: []int{3, 800}, load: []int{3: 2}},
		{name: "loaded", size: 100, load: []int{0: 5, 1: 3, 7: 1}},
		{name: "tried past inline", size: 20, tried: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{name: "none", size: 1000, up: []int{}},
	}
	builders := []balancerCase{
		{"random", func(ts []Target, o Options) Balancer { return NewRandom(ts, o) }},
		{"p2c", func(ts []Target, o Options) Balancer { return NewP2C(ts, o) }},
	}
	for _, b := range builders {
		for _, s := range setups {
			t.Run(b.name+"/"+s.name, func(t *testing.T) {
				w := make([]int, s.size)
				for i := range w {
					w[i] = 1 + i%4
				}
				ts := weighted(w...)
				if s.up != nil {
					for i := range ts {
						markDown(ts[i], true)
					}
					for _, i := range s.up {
						markDown(ts[i], false)
					}
				}
				for i, n := range s.load {
					for range n {
						ts[i].Node.Begin()
					}
				}
				var tried Tried
				for _, i := range s.tried {
					tried.Add(i)
				}
				for i := 0; i < len(ts); i += 2 {
					ts[i].Health.SetUpSince(rampUp)
				}
				bal := b.new(ts, rampOpts)
				for _, info := range []PickInfo{{Tried: &tried}, {Tried: &tried, Now: rampUp}} {
					if n := testing.AllocsPerRun(1000, func() { bal.Pick(info) }); n != 0 {
						t.Errorf("now %d: Pick() allocates %v times per call; want 0", info.Now, n)
					}
				}
			})
		}
	}
}
