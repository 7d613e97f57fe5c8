package lb

import (
	"strconv"
	"testing"
)

// BenchmarkPick measures Pick of every balancer over 3, 100 and 10000
// available targets with weights 1 to 4, from one goroutine and from
// GOMAXPROCS goroutines. At 100 targets, "ramp" runs with slow start on
// and target 0 at half its window.
func BenchmarkPick(b *testing.B) {
	for _, bal := range balancers {
		b.Run(bal.name, func(b *testing.B) {
			for _, n := range []int{3, 100, 10000} {
				b.Run(strconv.Itoa(n), func(b *testing.B) {
					benchmarkPick(b, bal.new(weightedRange(n), Options{}), PickInfo{})
					if n == 100 {
						ts := weightedRange(n)
						ts[0].Health.SetUpSince(rampUp)
						b.Run("ramp", func(b *testing.B) {
							benchmarkPick(b, bal.new(ts, rampOpts), PickInfo{Now: rampUp + int64(rampWindow/2)})
						})
					}
				})
			}
		})
	}
}

// weightedRange returns n targets with weights 1 to 4.
func weightedRange(n int) []Target {
	w := make([]int, n)
	for i := range w {
		w[i] = 1 + i%4
	}
	return weighted(w...)
}

func benchmarkPick(b *testing.B, bal Balancer, info PickInfo) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := bal.Pick(info); !ok {
				b.Fatal("Pick() ok = false; want true")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok := bal.Pick(info); !ok {
					b.Error("Pick() ok = false; want true")
					return
				}
			}
		})
	})
}
