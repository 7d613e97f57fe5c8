package core

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"
)

// TestTrafficSplitExactShares sends 100,000 requests through a route that
// splits 5/95 between a canary and the route's own upstream: every window
// of 100 consecutive requests holds exactly 5 canary answers, so the share
// is exactly 5.00% (the goal allows 5.00 ± 0.21 points).
func TestTrafficSplitExactShares(t *testing.T) {
	stable, canary := fastBackendSaying(t, "stable"), fastBackendSaying(t, "canary")
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
        rules:
          - weighted_upstreams:
              - {upstream_id: canary, weight: 5}
              - {weight: 95}
`, stable, canary))
	const n = 100000
	isCanary := make([]bool, n)
	total := 0
	for i := range n {
		if s := p.do(); s != 200 {
			t.Fatalf("request %d: status %d", i, s)
		}
		if string(p.ctx.Response.Body()) == "canary" {
			isCanary[i] = true
			total++
		}
	}
	if share := 100 * float64(total) / n; math.Abs(share-5) > 0.21 {
		t.Errorf("canary share %.2f%%; want 5.00 ± 0.21", share)
	}
	in := 0
	for i := range n {
		if isCanary[i] {
			in++
		}
		if i >= 100 && isCanary[i-100] {
			in--
		}
		if i >= 99 && in != 5 {
			t.Fatalf("requests %d..%d hold %d canary answers; want exactly 5", i-99, i, in)
		}
	}
}

func TestTrafficSplitRules(t *testing.T) {
	stable, canary, beta := backend(t, named("stable")), backend(t, named("canary")), backend(t, named("beta"))
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - {id: stable, nodes: {%q: 1}}
  - {id: canary, nodes: {%q: 1}}
  - {id: beta, nodes: {%q: 1}}
services:
  - id: s
    upstream_id: stable
    plugins:
      traffic-split:
        rules:
          - match:
              - vars: [["http_x-canary", "==", "1"]]
              - vars: [["arg_v", "~~", "^2"], ["arg_force", "!", "==", "no"]]
            weighted_upstreams: [{upstream_id: canary}]
          - match:
              - vars: [["cookie_beta", "==", "on"]]
            weighted_upstreams: [{upstream_id: beta, weight: 1}, {weight: 0}]
routes:
  - {id: r, uri: /*, service_id: s}
`, stable, canary, beta))
	c := &http.Client{Timeout: 5 * time.Second}
	for _, tc := range []struct {
		name, path, header, cookie, want string
	}{
		{"no rule matches", "/", "", "", "stable"},
		{"first entry of the first rule", "/", "1", "", "canary"},
		{"second entry, both vars", "/?v=2", "", "", "canary"},
		{"second entry, one var fails", "/?v=2&force=no", "", "", "stable"},
		{"second rule", "/", "", "beta=on", "beta"},
		{"first rule wins", "/", "1", "beta=on", "canary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := backendFor(t, c, base+tc.path, tc.header, tc.cookie); got != tc.want {
				t.Errorf("answered by %q; want %q", got, tc.want)
			}
		})
	}
}
