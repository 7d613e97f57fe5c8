package core

import "testing"

// BenchmarkProxyGET measures one whole proxied GET in-process: front door,
// route match, pick, upstream exchange over a loopback keep-alive
// connection, and relay.
func BenchmarkProxyGET(b *testing.B) {
	p := newInProcessProxy(b, fastBackend(b), fastBackend(b))
	b.ReportAllocs()
	for b.Loop() {
		if s := p.do(); s != 200 {
			b.Fatalf("status = %d", s)
		}
	}
}
