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
			newInProcessProxy(t, tc.extra, fastBackend(t), fastBackend(t)).requireNoAllocs(t, "proxied GET")
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
	p.requireNoAllocs(t, "proxied GET")
}

func TestTrafficSplitDoesNotAllocate(t *testing.T) {
	p := newInProcessConfig(t, splitConfig(fastBackend(t), fastBackend(t), "/api/*", `sticky: {hash_on: header, key: User-Agent}
trusted_addrs: ["127.0.0.0/8"]
rules:
  - match: [{vars: [["arg_id", "==", "7"]]}]
    weighted_upstreams: [{upstream_id: canary, weight: 1}, {weight: 3}]`))
	p.requireNoAllocs(t, "split request")
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
	p.requireNoAllocs(t, "mirrored request")
}

func TestCanaryRampDoesNotAllocate(t *testing.T) {
	p := newInProcessConfig(t, splitConfig(fastBackend(t), fastBackend(t), "/api/*",
		"rules: [{weighted_upstreams: [{upstream_id: canary}, {weight: 1}]}]\nramp: {steps: [50, 100]}"))
	p.requireNoAllocs(t, "ramped request")
}

// requireNoAllocs warms p up with 100 requests, each answered 200, then
// fails the test if a request (what, for the message) allocates.
func (p *inProcessProxy) requireNoAllocs(t *testing.T, what string) {
	t.Helper()
	for range 100 {
		if s := p.do(); s != 200 {
			t.Fatalf("status = %d; want 200", s)
		}
	}
	if n := testing.AllocsPerRun(1000, func() { p.do() }); n != 0 {
		t.Errorf("allocations per %s = %v; want 0", what, n)
	}
}
