package core

import (
	"fmt"
	"net/netip"
	"testing"
)

// routerBenchSpecs returns n routes: host-less exact and prefix routes, a
// GET-only variant, routes on exact hosts and routes on wildcard hosts.
func routerBenchSpecs(n int) []routeSpec {
	specs := make([]routeSpec, 0, n)
	for i := 0; len(specs) < n; i++ {
		var s routeSpec
		switch i % 5 {
		case 0:
			s.URIs = []string{fmt.Sprintf("/svc/%d/items", i)}
			s.Methods = []string{"GET"}
		case 1:
			s.URIs = []string{fmt.Sprintf("/svc/%d/items", i-1), fmt.Sprintf("/svc/%d/items/*", i-1)}
			s.Priority = -1
		case 2:
			s.URIs = []string{fmt.Sprintf("/svc/%d/*", i), fmt.Sprintf("/svc/%d/api/v1/*", i)}
		case 3:
			s.URIs = []string{fmt.Sprintf("/svc/%d/items", i+1)}
			s.Hosts = []string{fmt.Sprintf("svc%d.example.com", i+1)}
			s.RemoteAddrs = []netip.Prefix{netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")}
		case 4:
			s.URIs = []string{"/*"}
			s.Hosts = []string{fmt.Sprintf("*.tenant%d.example.net", i)}
		}
		specs = append(specs, s)
	}
	return specs
}

func BenchmarkRouterMatch(b *testing.B) {
	cases := []struct {
		name string
		req  func(n int) routerReq
	}{
		{"exact", func(n int) routerReq { return routerReq{method: "GET", path: fmt.Sprintf("/svc/%d/items", n/2/5*5)} }},
		{"prefix", func(n int) routerReq {
			return routerReq{method: "GET", path: fmt.Sprintf("/svc/%d/api/v1/users/42", n/2/5*5+2)}
		}},
		{"host", func(n int) routerReq {
			return routerReq{method: "GET", host: fmt.Sprintf("SVC%d.example.com:443", n/2/5*5+4), path: fmt.Sprintf("/svc/%d/items", n/2/5*5+4), remote: "10.1.1.1"}
		}},
		{"wildcard", func(n int) routerReq {
			return routerReq{method: "GET", host: fmt.Sprintf("a.tenant%d.example.net", n/2/5*5+4), path: "/x/y"}
		}},
		{"miss", func(int) routerReq {
			return routerReq{method: "GET", host: "unknown.example.org", path: "/nothing/here"}
		}},
	}
	for _, n := range []int{10, 1000, 10000} {
		r := mustRouter(b, routerBenchSpecs(n))
		for _, tc := range cases {
			q := tc.req(n)
			method, host, path, remote := []byte(q.method), []byte(q.host), []byte(q.path), q.addr()
			want, wantOK := routerRefMatch(routerBenchSpecs(n), q.method, q.host, q.path, remote)
			b.Run(fmt.Sprintf("routes=%d/%s", n, tc.name), func(b *testing.B) {
				if got, ok := r.match(method, host, path, remote, nil); got != want || ok != wantOK {
					b.Fatalf("match(%q, %q, %q) = %d, %v; want %d, %v", q.method, q.host, q.path, got, ok, want, wantOK)
				}
				b.ReportAllocs()
				for b.Loop() {
					r.match(method, host, path, remote, nil)
				}
			})
		}
	}
}
