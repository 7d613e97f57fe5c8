package core

import "testing"

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
