package core

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestTrafficSplitExactShares sends 100,000 requests through a route that
// splits 5/95 between a canary and the route's own upstream: every window
// of 100 consecutive requests holds exactly 5 canary answers, so the share
// is exactly 5.00% (the goal allows 5.00 ± 0.21 points).
func TestTrafficSplitExactShares(t *testing.T) {
	stable, canary := fastBackendSaying(t, "stable"), fastBackendSaying(t, "canary")
	p := newInProcessConfig(t, splitConfig(stable, canary, "/api/*",
		"rules: [{weighted_upstreams: [{upstream_id: canary, weight: 5}, {weight: 95}]}]"))
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

func TestStickyCanaryOnlyMovesUsersOnto(t *testing.T) {
	stable, canary := backend(t, named("stable")), backend(t, named("canary"))
	resources := func(canaryWeight int) string { return stickyConfig(stable, canary, "10.0.0.0/8", canaryWeight) }
	g, base := startGateway(t, resources(5))
	c := &http.Client{Timeout: 5 * time.Second}
	const users = 2000
	arms := func() []string {
		out := make([]string, users)
		for u := range users {
			out[u] = backendFor(t, c, base+"/", "", fmt.Sprintf("uid=user-%d", u))
		}
		return out
	}
	share := func(arms []string) float64 {
		n := 0
		for _, a := range arms {
			if a == "canary" {
				n++
			}
		}
		return float64(n) / float64(len(arms))
	}
	at5 := arms()
	if again := arms(); !slices.Equal(again, at5) {
		t.Fatal("sticky users changed arms between two rounds at the same weight")
	}
	if err := reapply(t, g, base, resources(25)); err != nil {
		t.Fatal(err)
	}
	at25 := arms()
	for u := range users {
		if at5[u] == "canary" && at25[u] != "canary" {
			t.Errorf("user-%d moved from canary back to stable when the canary grew", u)
		}
	}
	// Binomial bounds, 4 sigma over 2,000 users.
	if s := share(at5); math.Abs(s-0.05) > 4*math.Sqrt(0.05*0.95/users) {
		t.Errorf("canary share at weight 5: %.3f", s)
	}
	if s := share(at25); math.Abs(s-0.25) > 4*math.Sqrt(0.25*0.75/users) {
		t.Errorf("canary share at weight 25: %.3f", s)
	}
	// 127.0.0.1 is outside trusted_addrs: its X-Canary header forces
	// nothing, and the user keeps its sticky arm.
	for u := range 50 {
		if got := backendFor(t, c, base+"/", "1", fmt.Sprintf("uid=user-%d", u)); got != at25[u] {
			t.Errorf("untrusted X-Canary moved user-%d to %s", u, got)
		}
	}
	// Without the key, the weighted sequence decides: exactly 25 in 100.
	n := 0
	for range 100 {
		if backendFor(t, c, base+"/", "", "") == "canary" {
			n++
		}
	}
	if n != 25 {
		t.Errorf("%d of 100 keyless requests went to the canary; want exactly 25", n)
	}
}

func TestTrustedOverrideForcesTheCanary(t *testing.T) {
	stable, canary := backend(t, named("stable")), backend(t, named("canary"))
	_, base := startGateway(t, stickyConfig(stable, canary, "127.0.0.0/8", 0))
	c := &http.Client{Timeout: 5 * time.Second}
	if got := backendFor(t, c, base+"/", "1", "uid=u1"); got != "canary" {
		t.Errorf("trusted X-Canary: answered by %s; want canary", got)
	}
	if got := backendFor(t, c, base+"/", "", "uid=u1"); got != "stable" {
		t.Errorf("without the header: answered by %s; want stable", got)
	}
}

// stickyConfig is a route whose traffic-split is sticky on cookie uid,
// forces the canary for trusted clients sending X-Canary: 1, and otherwise
// gives the canary canaryWeight of 100.
func stickyConfig(stable, canary, trusted string, canaryWeight int) string {
	return splitConfig(stable, canary, "/*", fmt.Sprintf(`sticky: {hash_on: cookie, key: uid}
trusted_addrs: [%q]
rules:
  - match: [{vars: [["http_x-canary", "==", "1"]]}]
    weighted_upstreams: [{upstream_id: canary}]
  - weighted_upstreams: [{upstream_id: canary, weight: %d}, {weight: %d}]`, trusted, canaryWeight, 100-canaryWeight))
}

// splitConfig is a stable and a canary upstream and route r on uri,
// sending to stable with plugin (lines under "traffic-split:", indented
// as in a flow-free YAML body) as its traffic-split.
func splitConfig(stable, canary, uri, plugin string) string {
	return fmt.Sprintf(`
upstreams:
  - {id: stable, nodes: {%q: 1}}
  - {id: canary, nodes: {%q: 1}}
routes:
  - id: r
    uri: %s
    upstream_id: stable
    plugins:
      traffic-split:
%s`, stable, canary, uri, indent(plugin, "        "))
}

// TestTrafficSplitInlineUpstream sends the canary arm to an inline
// upstream that keeps upstream features: here passive checks, which eject
// its failing node, and retries onto its second node.
func TestTrafficSplitInlineUpstream(t *testing.T) {
	stable := backend(t, named("stable"))
	good := backend(t, named("canary"))
	bad := backend(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - {id: stable, nodes: {%q: 1}}
routes:
  - id: r
    uri: /*
    upstream_id: stable
    plugins:
      traffic-split:
        rules:
          - match: [{vars: [["http_x-canary", "==", "1"]]}]
            weighted_upstreams:
              - upstream:
                  nodes: {%q: 1, %q: 1}
                  checks: {passive: {unhealthy: {http_failures: 1}}}
`, stable, good, bad))
	c := &http.Client{Timeout: 5 * time.Second}
	for range 4 {
		backendFor(t, c, base+"/", "1", "")
	}
	for range 10 {
		if got := backendFor(t, c, base+"/", "1", ""); got != "canary" {
			t.Fatalf("after the failing node's ejection the canary arm answered %q", got)
		}
	}
	if got := backendFor(t, c, base+"/", "", ""); got != "stable" {
		t.Errorf("without the header: %q; want stable", got)
	}
	if _, ok := g.UpstreamHealthByName("routes/r:split:0:0"); !ok {
		t.Error("the inline arm upstream's health is not in the Control API")
	}
}

// TestStickyTenThousandUsers follows 10,000 users through the proxy (real
// backends) while the canary's weight goes 5 -> 25 -> 50: nobody moves
// from the canary back to stable, and the canary's share of users is its
// weight within 1 point.
func TestStickyTenThousandUsers(t *testing.T) {
	stable, canary := fastBackendSaying(t, "stable"), fastBackendSaying(t, "canary")
	resources := func(w int) string { return stickyConfig(stable, canary, "10.0.0.0/8", w) }
	p := newInProcessConfig(t, resources(5))
	const users = 10000
	onCanary := make([]bool, users)
	for _, w := range []int{5, 25, 50} {
		if err := p.g.Apply(mustParse(t, "gateway:\n  http:\n    listen: [\"127.0.0.1:9080\"]\n"+resources(w))); err != nil {
			t.Fatal(err)
		}
		n := 0
		for u := range users {
			p.ctx.Request.Header.SetCookie("uid", fmt.Sprintf("user-%d", u))
			if s := p.do(); s != 200 {
				t.Fatalf("status %d", s)
			}
			was := onCanary[u]
			onCanary[u] = string(p.ctx.Response.Body()) == "canary"
			if was && !onCanary[u] {
				t.Fatalf("weight %d: user-%d went from the canary back to stable", w, u)
			}
			if onCanary[u] {
				n++
			}
		}
		if share := 100 * float64(n) / users; math.Abs(share-float64(w)) > 1 {
			t.Errorf("weight %d: %.2f%% of users on the canary; want %d ± 1", w, share, w)
		}
	}
}
