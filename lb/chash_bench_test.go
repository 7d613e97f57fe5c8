package lb

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/jetwayhq/jetway/upstream"
)

// BenchmarkCHashPick measures Pick with a key over 3, 100 and 10000
// available targets with weights 1 to 4, from one goroutine and from
// GOMAXPROCS goroutines, each pick with a random precomputed key hash;
// "bounded" runs with balance factor 125 and requests in flight. As the
// proxy passes each request's arrival time, picks pass a clock reading
// taken every benchClockEvery picks, outside Pick.
func BenchmarkCHashPick(b *testing.B) {
	for _, n := range []int{3, 100, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			w := make([]int, n)
			for i := range w {
				w[i] = 1 + i%4
			}
			ts := weighted(w...)
			rng := rand.New(rand.NewPCG(1, 2))
			hashes := make([]uint64, 1<<12)
			for k := range hashes {
				hashes[k] = rng.Uint64()
			}
			plain := NewCHash(ts, Options{})
			bounded := NewCHash(ts, Options{HashBalanceFactor: 125})
			b.Run("serial", func(b *testing.B) { benchmarkCHashSerial(b, plain, hashes) })
			b.Run("parallel", func(b *testing.B) { benchmarkCHashParallel(b, plain, hashes) })
			for i := range ts {
				for range i % 3 {
					ts[i].Node.Begin()
				}
			}
			b.Run("bounded/serial", func(b *testing.B) { benchmarkCHashSerial(b, bounded, hashes) })
			b.Run("bounded/parallel", func(b *testing.B) { benchmarkCHashParallel(b, bounded, hashes) })
		})
	}
}

// benchClockEvery is how many picks share one clock reading: at tens of
// nanoseconds a pick, a few microseconds.
const benchClockEvery = 64

func benchmarkCHashSerial(b *testing.B, c *CHash, hashes []uint64) {
	b.ReportAllocs()
	k := 0
	var now int64
	for b.Loop() {
		if k%benchClockEvery == 0 {
			now = upstream.Nanotime()
		}
		if _, ok := c.Pick(PickInfo{Hash: hashes[k&(len(hashes)-1)], HasHash: true, Nanotime: now}); !ok {
			b.Fatal("Pick() ok = false; want true")
		}
		k++
	}
}

func benchmarkCHashParallel(b *testing.B, c *CHash, hashes []uint64) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		k := rand.IntN(len(hashes))
		var now int64
		for pb.Next() {
			if k%benchClockEvery == 0 {
				now = upstream.Nanotime()
			}
			if _, ok := c.Pick(PickInfo{Hash: hashes[k&(len(hashes)-1)], HasHash: true, Nanotime: now}); !ok {
				b.Error("Pick() ok = false; want true")
				return
			}
			k++
		}
	})
}

// BenchmarkNewCHash measures building the ring, the control-plane cost of
// a node set change.
func BenchmarkNewCHash(b *testing.B) {
	for _, n := range []int{3, 100, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			w := make([]int, n)
			for i := range w {
				w[i] = 1 + i%4
			}
			ts := weighted(w...)
			b.ReportAllocs()
			for b.Loop() {
				NewCHash(ts, Options{})
			}
		})
	}
}

// BenchmarkHashKey measures hashing a typical key.
func BenchmarkHashKey(b *testing.B) {
	key := []byte("203.0.113.77-/api/v1/orders")
	b.ReportAllocs()
	for b.Loop() {
		HashKey(key)
	}
}
