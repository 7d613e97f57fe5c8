//go:build !race

package core

import "testing"

func TestProxyAllocsPerRequest(t *testing.T) {
	p := newInProcessProxy(t, fastBackend(t), fastBackend(t))
	for range 100 {
		if s := p.do(); s != 200 {
			t.Fatalf("status = %d; want 200", s)
		}
	}
	if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
		t.Errorf("allocations per proxied GET = %v; want 0", n)
	}
}
