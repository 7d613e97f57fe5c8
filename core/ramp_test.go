package core

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/hc"
)

// rampTestConfig is a route whose canary ramps 10 -> 50 -> 100 every 60 s of
// the clock once a step saw 20 canary requests.
func rampTestConfig(stable, canary string, minRequests int) string {
	return splitConfig(stable, canary, "/*", fmt.Sprintf(`rules:
  - weighted_upstreams: [{upstream_id: canary}, {weight: 1}]
ramp: {steps: [10, 50, 100], interval: 60, min_requests: %d, max_error_rate: 0.05}`, minRequests))
}

func TestCanaryRampAdvancesAndRollsBack(t *testing.T) {
	clock := hc.NewFakeClock(time.Now())
	var broken atomic.Bool
	stable := backend(t, named("stable"))
	canary := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "canary")
		if broken.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	g, base := startGatewayWith(t, Options{Clock: clock}, rampTestConfig(stable, canary, 20))
	c := &http.Client{Timeout: 5 * time.Second}
	share := func(n int) float64 {
		k := 0
		for range n {
			if _, _, who := get(t, c, base+"/"); who == "canary" {
				k++
			}
		}
		return float64(k) / float64(n)
	}
	tick := func(wantWeight int, wantState string) {
		t.Helper()
		waitFor(t, 2*time.Second, "the ramp's timer", func() bool { return clock.Pending() >= 1 })
		clock.Advance(60 * time.Second)
		waitFor(t, 2*time.Second, fmt.Sprintf("weight %d, %s", wantWeight, wantState), func() bool {
			v := g.Ramps()
			return len(v) == 1 && v[0].Weight == wantWeight && v[0].State == wantState
		})
	}
	if s := share(300); s != 0.10 {
		t.Fatalf("canary share at the first step %.3f; want exactly 0.10", s)
	}
	tick(50, "running")
	if s := share(100); s != 0.50 {
		t.Fatalf("canary share at the second step %.3f; want exactly 0.50", s)
	}
	// A reload that keeps the plugin keeps the ramp where it is.
	if err := reapply(t, g, base, rampTestConfig(stable, canary, 20)+"\n"); err != nil {
		t.Fatal(err)
	}
	if v := g.Ramps(); len(v) != 1 || v[0].Weight != 50 {
		t.Fatalf("after a reload: %+v; want weight 50 kept", v)
	}
	broken.Store(true)
	share(100)
	if v := g.Ramps()[0]; v.Canary.ErrorRate == 0 || v.Stable.ErrorRate != 0 || v.Stable.Requests == 0 {
		t.Errorf("while the canary fails: canary %+v, stable %+v; want only the canary failing", v.Canary, v.Stable)
	}
	tick(0, "rolled_back")
	if s := share(50); s != 0 {
		t.Errorf("canary share after the rollback %.3f; want 0", s)
	}
	if v := g.Ramps()[0]; v.Reason == "" {
		t.Errorf("rollback without a reason: %+v", v)
	}
	// A changed plugin is a new ramp.
	if err := reapply(t, g, base, rampTestConfig(stable, canary, 30)); err != nil {
		t.Fatal(err)
	}
	if v := g.Ramps(); len(v) != 1 || v[0].Weight != 10 || v[0].State != "running" {
		t.Errorf("after changing the plugin: %+v; want a new ramp at 10", v)
	}
}

func TestCanaryRampActions(t *testing.T) {
	clock := hc.NewFakeClock(time.Now())
	g, base := startGatewayWith(t, Options{Clock: clock}, rampTestConfig(backend(t, named("stable")), backend(t, named("canary")), 20))
	c := &http.Client{Timeout: 5 * time.Second}
	if v, err := g.RampAction("r", "promote"); err != nil || v.Weight != 100 || v.State != "promoted" {
		t.Fatalf("promote: %+v %v", v, err)
	}
	for range 10 {
		if _, _, who := get(t, c, base+"/"); who != "canary" {
			t.Fatalf("a promoted canary did not serve: %s", who)
		}
	}
	if _, err := g.RampAction("nope", "pause"); err == nil {
		t.Error("an action on a route without a ramp succeeded")
	}
}
