//go:build !race

package core

import "testing"

func TestProxyAllocsPerRequest(t *testing.T) {
	for _, tc := range []struct{ name, extra string }{
		{"roundrobin", ""},
		{"chash header", "type: chash\nhash_on: header\nkey: User-Agent"},
		{"chash combination", "type: chash\nhash_on: vars_combinations\nkey: $remote_addr$uri"},
		{"least_conn", "type: least_conn"},
		{"ewma", "type: ewma"},
		{"random", "type: random"},
		{"p2c", "type: p2c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newInProcessProxyOf(t, tc.extra, fastBackend(t), fastBackend(t))
			for range 100 {
				if s := p.do(); s != 200 {
					t.Fatalf("status = %d; want 200", s)
				}
			}
			if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
				t.Errorf("allocations per proxied GET = %v; want 0", n)
			}
		})
	}
}
