package lb

import (
	"strconv"
	"testing"
)

// BenchmarkPick measures Pick of every balancer over 3, 100 and 10000
// available targets with weights 1 to 4, from one goroutine and from
// GOMAXPROCS goroutines.
func BenchmarkPick(b *testing.B) {
	for _, bal := range balancers {
		b.Run(bal.name, func(b *testing.B) {
			for _, n := range []int{3, 100, 10000} {
				b.Run(strconv.Itoa(n), func(b *testing.B) { benchmarkPick(b, bal.new, n) })
			}
		})
	}
}

func benchmarkPick(b *testing.B, newBalancer func([]Target) Balancer, n int) {
	w := make([]int, n)
	for i := range w {
		w[i] = 1 + i%4
	}
	bal := newBalancer(weighted(w...))
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := bal.Pick(PickInfo{}); !ok {
				b.Fatal("Pick() ok = false; want true")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok := bal.Pick(PickInfo{}); !ok {
					b.Error("Pick() ok = false; want true")
					return
				}
			}
		})
	})
}
