package core

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// balancerTypes are the upstream settings BenchmarkProxyGET runs with.
var balancerTypes = []struct{ name, extra string }{
	{"roundrobin", ""},
	{"chash", "type: chash\nhash_on: header\nkey: User-Agent"},
	{"least_conn", "type: least_conn"},
	{"ewma", "type: ewma"},
	{"random", "type: random"},
	{"p2c", "type: p2c"},
}

// BenchmarkProxyGET measures one whole proxied GET in-process: front door,
// route match, pick, upstream exchange over a loopback keep-alive
// connection, and relay, with each balancer type.
func BenchmarkProxyGET(b *testing.B) {
	for _, bt := range balancerTypes {
		b.Run(bt.name, func(b *testing.B) {
			p := newInProcessProxy(b, bt.extra, fastBackend(b), fastBackend(b))
			b.ReportAllocs()
			for b.Loop() {
				if s := p.do(); s != 200 {
					b.Fatalf("status = %d", s)
				}
			}
		})
	}
}

// Balancer-cost run sizes: each round proxies balancerBlock requests
// through each type in a random order, so drift in the machine's speed
// falls on every type alike.
const (
	balancerRounds = 1600
	balancerBlock  = 50
)

// BenchmarkBalancerCost measures what each balancer type adds to a whole
// proxied GET over round robin. Each of balancerRounds rounds (times b.N)
// proxies one block of balancerBlock requests per type, in a shuffled
// order, and times each block whole. Per type it reports the median over
// rounds of the block's time per request less round robin's in the same
// round ("ns-over-rr"), with a 95% confidence interval for that median
// from the order statistics of the differences ("-lo", "-hi"; they hold
// whatever the distribution). A second round-robin proxy, "control", is
// measured the same way: its difference is what the method reads when the
// types are the same. Run it as:
//
//	go test ./core -run '^$' -bench BalancerCost -benchtime 8x
func BenchmarkBalancerCost(b *testing.B) {
	types := append(balancerTypes[:1:1], struct{ name, extra string }{"control", ""})
	types = append(types, balancerTypes[1:]...)
	backends := []string{fastBackend(b), fastBackend(b)}
	proxies := make([]*inProcessProxy, len(types))
	for i, bt := range types {
		proxies[i] = newInProcessProxy(b, bt.extra, backends...)
		for range balancerBlock {
			proxies[i].do() // dial and warm up
		}
	}
	order := make([]int, len(proxies))
	for i := range order {
		order[i] = i
	}
	per := make([][]float64, len(proxies)) // ns per request, by type, by round
	b.ResetTimer()
	for range b.N * balancerRounds {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			start := time.Now()
			for range balancerBlock {
				if s := proxies[i].do(); s != 200 {
					b.Fatalf("%s: status = %d", types[i].name, s)
				}
			}
			per[i] = append(per[i], float64(time.Since(start))/balancerBlock)
		}
	}
	b.StopTimer()
	for i := 1; i < len(per); i++ {
		diff := make([]float64, len(per[i]))
		for r := range diff {
			diff[r] = per[i][r] - per[0][r]
		}
		lo, med, hi := medianCI(diff)
		name := types[i].name
		b.ReportMetric(med, "ns-over-rr-"+name)
		b.ReportMetric(lo, "ns-over-rr-lo-"+name)
		b.ReportMetric(hi, "ns-over-rr-hi-"+name)
	}
	_, rr, _ := medianCI(per[0])
	b.ReportMetric(rr, "ns/req-rr")
}

// medianCI returns the median of xs with a 95% confidence interval for it:
// the order statistics at ranks n/2 ∓ 1.96·√n/2 (normal approximation of
// the binomial; distribution-free). It sorts xs.
func medianCI(xs []float64) (lo, med, hi float64) {
	slices.Sort(xs)
	n := len(xs)
	half := int(math.Ceil(1.96 * math.Sqrt(float64(n)) / 2))
	return xs[max(n/2-half, 0)], xs[n/2], xs[min(n/2+half, n-1)]
}
