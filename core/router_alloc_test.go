//go:build !race

package core

import (
	"strings"
	"testing"
)

func TestRouterMatchAllocs(t *testing.T) {
	r := mustRouter(t, routerBenchSpecs(1000))
	reqs := []routerReq{
		{method: "GET", path: "/svc/15/items"},
		{method: "GET", path: "/svc/17/api/v1/users/7"},
		{method: "POST", path: "/svc/15/items"},
		{method: "GET", path: "/nowhere"},
		{method: "GET", host: "Svc19.Example.COM:8443", path: "/svc/19/items"},
		{method: "GET", host: "x.tenant4.example.net", path: "/anything"},
		{method: "GET", host: "[::1]:80", path: "/svc/20/items", remote: "::1"},
		{method: "DELETE", host: strings.Repeat("x", 400) + ".tenant4.example.net", path: "/"},
	}
	for _, q := range reqs {
		method, host, path, remote := []byte(q.method), []byte(q.host), []byte(q.path), q.addr()
		if n := testing.AllocsPerRun(100, func() { r.match(method, host, path, remote, nil) }); n != 0 {
			t.Errorf("match(%q, %q, %q) allocs = %v; want 0", q.method, q.host, q.path, n)
		}
	}
}
