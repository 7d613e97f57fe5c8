//go:build !race

package lb

import "testing"

// TestRandomP2CAllocs checks that Random and P2C allocate nothing on the
// paths TestPickAllocs does not reach: the scan after every draw misses in
// a large group, the second candidate's scan, and load comparison. The
// race detector allocates, hence the build tag.
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
	builders := []struct {
		name string
		new  func([]Target) Balancer
	}{
		{"random", func(ts []Target) Balancer { return NewRandom(ts) }},
		{"p2c", func(ts []Target) Balancer { return NewP2C(ts) }},
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
						ts[i].Node.SetDown(true)
					}
					for _, i := range s.up {
						ts[i].Node.SetDown(false)
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
				bal := b.new(ts)
				info := PickInfo{Tried: &tried}
				if n := testing.AllocsPerRun(1000, func() { bal.Pick(info) }); n != 0 {
					t.Errorf("Pick() allocates %v times per call; want 0", n)
				}
			})
		}
	}
}
