//go:build !race

package core

import (
	"fmt"
	"testing"
)

func TestProxyAllocsPerRequest(t *testing.T) {
	cases := append(balancerTypes, struct{ name, extra string }{
		"chash combination", "type: chash\nhash_on: vars_combinations\nkey: $remote_addr$uri",
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newInProcessProxy(t, tc.extra, fastBackend(t), fastBackend(t))
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

// TestProxyAllocsWithHealthAndVars covers what health checks, slow start
// and route vars add to the request path.
func TestProxyAllocsWithHealthAndVars(t *testing.T) {
	p := newInProcessRoute(t,
		"checks: {passive: {}, active: {type: tcp, healthy: {interval: 60}, unhealthy: {interval: 60}}}\nslow_start: {window: 30}",
		`vars: [[arg_id, "==", 7], [http_user-agent, "~~", "^b"], [remote_addr, ipmatch, ["127.0.0.0/8"]]]`,
		fastBackend(t), fastBackend(t))
	for range 100 {
		if s := p.do(); s != 200 {
			t.Fatalf("status = %d; want 200", s)
		}
	}
	if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
		t.Errorf("allocations per proxied GET = %v; want 0", n)
	}
}

func TestTrafficSplitDoesNotAllocate(t *testing.T) {
	stable, canary := fastBackend(t), fastBackend(t)
	p := newInProcessConfig(t, fmt.Sprintf(`
upstreams:
  - {id: stable, nodes: {%q: 1}}
  - {id: canary, nodes: {%q: 1}}
routes:
  - id: r1
    uri: /api/*
    upstream_id: stable
    plugins:
      traffic-split:
        sticky: {hash_on: header, key: User-Agent}
        trusted_addrs: ["127.0.0.0/8"]
        rules:
          - match: [{vars: [["arg_id", "==", "7"]]}]
            weighted_upstreams: [{upstream_id: canary, weight: 1}, {weight: 3}]
`, stable, canary))
	for range 100 {
		p.do()
	}
	if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
		t.Errorf("allocations per split request = %v; want 0", n)
	}
}

func TestProxyMirrorDoesNotAllocate(t *testing.T) {
	p := newInProcessConfig(t, fmt.Sprintf(`
upstreams:
  - {id: u, nodes: {%q: 1}}
routes:
  - id: r1
    uri: /api/*
    upstream_id: u
    plugins:
      proxy-mirror: {host: "http://%s"}
`, fastBackend(t), fastBackend(t)))
	for range 100 {
		p.do()
	}
	if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
		t.Errorf("allocations per mirrored request = %v; want 0", n)
	}
}

func TestCanaryRampDoesNotAllocate(t *testing.T) {
	p := newInProcessConfig(t, fmt.Sprintf(`
upstreams:
  - {id: stable, nodes: {%q: 1}}
  - {id: canary, nodes: {%q: 1}}
routes:
  - id: r1
    uri: /api/*
    upstream_id: stable
    plugins:
      traffic-split:
        rules: [{weighted_upstreams: [{upstream_id: canary}, {weight: 1}]}]
        ramp: {steps: [50, 100]}
`, fastBackend(t), fastBackend(t)))
	for range 100 {
		p.do()
	}
	if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
		t.Errorf("allocations per ramped request = %v; want 0", n)
	}
}
