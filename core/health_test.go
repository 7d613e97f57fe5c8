package core

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
	"github.com/jetwayhq/jetway/hc"
)

// nodeHealth returns the Control API view of node addr in upstream name.
func nodeHealth(t testing.TB, g *Gateway, name, addr string) NodeHealth {
	t.Helper()
	u, ok := g.UpstreamHealthByName(name)
	if !ok {
		t.Fatalf("no checked upstream %s", name)
	}
	for _, n := range u.Nodes {
		if net.JoinHostPort(n.IP, fmt.Sprint(n.Port)) == addr {
			return n
		}
	}
	t.Fatalf("upstream %s has no node %s", name, addr)
	return NodeHealth{}
}

// waitFor polls cond every 10 ms until it holds or limit passes, and
// returns how long it took.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// healthToggle is a backend whose /healthz answers 200 or 503 as the test
// says; every other path answers with its name.
type healthToggle struct {
	name string
	sick atomic.Bool
	hits atomic.Int64 // non-probe requests
}

func (h *healthToggle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		if h.sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	}
	h.hits.Add(1)
	named(h.name)(w, r)
}

func TestActiveCheckMarksClosedPortDownWithoutFailingRequests(t *testing.T) {
	live := backend(t, named("live"))
	dead := closedAddr(t)
	start := time.Now()
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    checks:
      active: {type: tcp, healthy: {interval: 1}, unhealthy: {interval: 1, tcp_failures: 2}}
routes: [{id: r1, uri: /*, upstream_id: u1}]
`, live, dead))
	c := &http.Client{Timeout: 5 * time.Second}
	var downAt time.Duration
	for downAt == 0 {
		if status, body, _ := get(t, c, base+"/"); status != 200 || body != "live" {
			t.Fatalf("request failed while the node was being checked: %d %q", status, body)
		}
		if nodeHealth(t, g, "upstreams/u1", dead).Status == "unhealthy" {
			downAt = time.Since(start)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("closed port not marked down within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// tcp_failures 2 x interval 1 s, plus the interval's 5% jitter.
	if downAt > 2200*time.Millisecond {
		t.Errorf("closed port marked down after %v; want within 2 s", downAt)
	}
	t.Logf("closed port marked down after %v", downAt)
	if n := nodeHealth(t, g, "upstreams/u1", live); n.Status != "healthy" {
		t.Errorf("live node is %s", n.Status)
	}
}

func TestHangingNodeIsEjectedByTimeouts(t *testing.T) {
	hang := rawBackend(t, func(c net.Conn) {
		// Read the request, never answer; return when Jetway gives up.
		_, _ = io.Copy(io.Discard, c)
	})
	live := backend(t, named("live"))
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    timeout: {read: 0.3}
    checks:
      passive: {unhealthy: {timeouts: 2}}
routes: [{id: r1, uri: /*, upstream_id: u1}]
`, hang, live))
	c := &http.Client{Timeout: 5 * time.Second}
	slow := 0
	for range 20 {
		start := time.Now()
		status, body, _ := get(t, c, base+"/")
		took := time.Since(start)
		if status != 200 || body != "live" {
			t.Fatalf("GET = %d %q; want the live node's answer", status, body)
		}
		if took > 400*time.Millisecond {
			t.Errorf("GET took %v; want within the read timeout + 100 ms", took)
		}
		if took > 250*time.Millisecond {
			slow++
		}
	}
	if slow != 2 {
		t.Errorf("%d GETs waited for the hanging node; want exactly 2 (timeouts: 2)", slow)
	}
	if n := nodeHealth(t, g, "upstreams/u1", hang); !n.Ejected {
		t.Errorf("hanging node = %+v; want ejected", n)
	}
}

func TestPassiveEjectionBackoffOnFakeClock(t *testing.T) {
	clock := hc.NewFakeClock(time.Now())
	bad := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "bad")
		w.WriteHeader(http.StatusInternalServerError)
	})
	good := backend(t, named("good"))
	g, base := startGatewayWith(t, Options{Clock: clock}, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    checks:
      passive: {}
routes: [{id: r1, uri: /*, upstream_id: u1}]
`, bad, good))
	c := &http.Client{Timeout: 5 * time.Second}
	errors := func(n int) int {
		k := 0
		for range n {
			if status, _, _ := get(t, c, base+"/"); status == 500 {
				k++
			}
		}
		return k
	}
	if got := errors(40); got != 5 {
		t.Fatalf("clients saw %d 500s before the ejection; want exactly 5 (http_failures)", got)
	}
	n := nodeHealth(t, g, "upstreams/u1", bad)
	if !n.Ejected || n.EjectedUntil == nil || n.EjectedUntil.Sub(clock.Now()) != 30*time.Second {
		t.Fatalf("after 5 failures: %+v; want ejected for 30 s", n)
	}
	clock.Advance(30 * time.Second)
	if got := errors(40); got != 5 {
		t.Fatalf("after the first ejection ended clients saw %d 500s; want 5 before the next", got)
	}
	n = nodeHealth(t, g, "upstreams/u1", bad)
	if n.Ejections != 2 || n.EjectedUntil.Sub(clock.Now()) != 60*time.Second {
		t.Fatalf("second ejection: %+v; want 2 ejections, 60 s", n)
	}
	clock.Advance(59 * time.Second)
	if got := errors(10); got != 0 {
		t.Fatalf("%d 500s 59 s into a 60 s ejection", got)
	}
	clock.Advance(time.Second)
	if got := errors(10); got == 0 {
		t.Fatal("the node did not come back after 60 s")
	}
}

func TestRecoveryAndSlowStart(t *testing.T) {
	a, b := &healthToggle{name: "a"}, &healthToggle{name: "b"}
	addrA, addrB := backend(t, a.ServeHTTP), backend(t, b.ServeHTTP)
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    checks:
      active:
        http_path: /healthz
        healthy: {interval: 1, successes: 2}
        unhealthy: {interval: 1, http_failures: 1}
    slow_start: {window: 4, min_weight_percent: 10}
routes: [{id: r1, uri: /*, upstream_id: u1}]
`, addrA, addrB))
	b.sick.Store(true)
	waitFor(t, 3*time.Second, "b marked down", func() bool {
		return nodeHealth(t, g, "upstreams/u1", addrB).Status != "healthy"
	})
	b.sick.Store(false)
	c := &http.Client{Timeout: 5 * time.Second}
	back := waitFor(t, 4*time.Second, "b back", func() bool {
		_, _, who := get(t, c, base+"/")
		return who == "b"
	})
	// successes 2 x interval 1 s, plus jitter.
	if back > 2500*time.Millisecond {
		t.Errorf("traffic returned after %v; want within 2 s", back)
	}
	// Over the 4 s window b's share rises from about 10/110 to 1/2.
	var shares []float64
	for range 4 {
		a0, b0 := a.hits.Load(), b.hits.Load()
		end := time.Now().Add(time.Second)
		for time.Now().Before(end) {
			get(t, c, base+"/")
		}
		da, db := a.hits.Load()-a0, b.hits.Load()-b0
		shares = append(shares, float64(db)/float64(da+db))
	}
	t.Logf("b's share per second of the ramp: %.3f", shares)
	for i := 1; i < len(shares); i++ {
		if shares[i] < shares[i-1]-0.03 {
			t.Errorf("share fell from %.3f to %.3f during the ramp", shares[i-1], shares[i])
		}
	}
	if shares[0] > 0.3 || shares[len(shares)-1] < 0.38 {
		t.Errorf("shares %.3f; want a linear ramp from about 0.1 to 0.5", shares)
	}
}

func TestPanicThresholdSpreadsLoadOnFalseAlarm(t *testing.T) {
	nodes := make([]*healthToggle, 4)
	var addrs []string
	for i := range nodes {
		nodes[i] = &healthToggle{name: fmt.Sprint(i)}
		nodes[i].sick.Store(i > 0) // the probes lie about 3 of 4 nodes
		addrs = append(addrs, backend(t, nodes[i].ServeHTTP))
	}
	nodeMap := fmt.Sprintf("{%q: 1, %q: 1, %q: 1, %q: 1}", addrs[0], addrs[1], addrs[2], addrs[3])
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: panic
    nodes: %[1]s
    checks:
      active: {http_path: /healthz, unhealthy: {interval: 1, http_failures: 1}}
      healthy_panic_threshold: 50
  - id: strict
    nodes: %[1]s
    checks:
      active: {http_path: /healthz, unhealthy: {interval: 1, http_failures: 1}}
routes:
  - {id: p, uri: /p, upstream_id: panic}
  - {id: s, uri: /s, upstream_id: strict}
`, nodeMap))
	for _, name := range []string{"upstreams/panic", "upstreams/strict"} {
		waitFor(t, 3*time.Second, name+" sees 3 nodes down", func() bool {
			u, _ := g.UpstreamHealthByName(name)
			return u.Healthy == 1
		})
	}
	if u, _ := g.UpstreamHealthByName("upstreams/panic"); !u.Panic {
		t.Error("Control API does not show the panic")
	}
	c := &http.Client{Timeout: 5 * time.Second}
	count := func(path string) map[string]int {
		seen := map[string]int{}
		for range 200 {
			_, _, who := get(t, c, base+path)
			seen[who]++
		}
		return seen
	}
	if seen := count("/p"); len(seen) != 4 || seen["0"] > 80 {
		t.Errorf("panic threshold 50 with 1 of 4 healthy: %v; want load over all 4", seen)
	}
	if seen := count("/s"); seen["0"] != 200 {
		t.Errorf("threshold 0 with one healthy node: %v; want all on node 0", seen)
	}
}

func TestReloadsKeepEjectionWithoutGrowth(t *testing.T) {
	clock := hc.NewFakeClock(time.Now())
	bad := backend(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	good := backend(t, named("good"))
	probed := backend(t, named("probed"))
	resources := func(i int) string {
		return fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    checks:
      passive: {base_ejection_time: 300}
  - id: u2
    nodes: {%q: 1}
    checks:
      active: {type: tcp}
routes:
  - {id: r1, uri: /*, upstream_id: u1, priority: %d}
  - {id: r2, uri: /two, upstream_id: u2}
`, bad, good, probed, i)
	}
	g, base := startGatewayWith(t, Options{Clock: clock}, resources(0))
	c := &http.Client{Timeout: 5 * time.Second}
	for range 10 {
		get(t, c, base+"/")
	}
	if !nodeHealth(t, g, "upstreams/u1", bad).Ejected {
		t.Fatal("bad node not ejected")
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap0, goroutines0 := ms.HeapAlloc, runtime.NumGoroutine()
	for i := range 60 {
		if err := reapply(t, g, base, resources(i%2)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if !nodeHealth(t, g, "upstreams/u1", bad).Ejected {
			t.Fatalf("reload %d brought the ejected node back", i+1)
		}
		if n := g.hc.Checkers(); n != 1 {
			t.Fatalf("after reload %d: %d checkers; want 1", i+1, n)
		}
	}
	if got := strings.Join(g.hc.Probed(), ","); got != probed {
		t.Errorf("probed %q; want %q", got, probed)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if grown := runtime.NumGoroutine() - goroutines0; grown > 2 {
		t.Errorf("goroutines grew by %d over 60 reloads", grown)
	}
	if ms.HeapAlloc > heap0+4<<20 {
		t.Errorf("heap grew from %d to %d bytes over 60 reloads", heap0, ms.HeapAlloc)
	}
}

func TestSharedNodeIsProbedOnce(t *testing.T) {
	n1, n2 := backend(t, named("1")), backend(t, named("2"))
	checks := "checks: {active: {type: tcp}}"
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - {id: a, nodes: {%[1]q: 1, %[2]q: 1}, %[3]s}
  - {id: b, nodes: {%[1]q: 1}, %[3]s}
  - {id: c, nodes: {%[1]q: 1}, checks: {active: {type: tcp, timeout: 2}}}
routes: [{id: r1, uri: /*, upstream_id: a}]
`, n1, n2, checks))
	if got, want := strings.Join(g.hc.Probed(), ","), strings.Join(sorted(n1, n1, n2), ","); got != want {
		t.Errorf("probed %s; want %s (n1 once per distinct spec)", got, want)
	}
	// Dropping n1 from every upstream stops its probes before Apply returns.
	if err := reapply(t, g, base, fmt.Sprintf(`
upstreams:
  - {id: a, nodes: {%[1]q: 1}, %[2]s}
routes: [{id: r1, uri: /*, upstream_id: a}]
`, n2, checks)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.hc.Probed(), ","); got != n2 {
		t.Errorf("after the reload probed %s; want only %s", got, n2)
	}
}

// sorted returns its arguments in order.
func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func TestSlowStartRampsAnAddedNode(t *testing.T) {
	clock := hc.NewFakeClock(time.Now())
	a, b := backend(t, named("a")), backend(t, named("b"))
	resources := func(nodes string) string {
		return fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%s}
    checks: {passive: {}}
    slow_start: {window: 10, min_weight_percent: 10}
routes: [{id: r1, uri: /*, upstream_id: u1}]
`, nodes)
	}
	g, base := startGatewayWith(t, Options{Clock: clock}, resources(fmt.Sprintf("%q: 10", a)))
	if w := nodeHealth(t, g, "upstreams/u1", a).SlowStartWeight; w != 10 {
		t.Errorf("a node of the first config ramps (weight %v); want 10", w)
	}
	if err := reapply(t, g, base, resources(fmt.Sprintf("%q: 10, %q: 10", a, b))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		after time.Duration
		want  float64
	}{{0, 1}, {5 * time.Second, 5.5}, {5 * time.Second, 10}} {
		clock.Advance(tc.after)
		if w := nodeHealth(t, g, "upstreams/u1", b).SlowStartWeight; w != tc.want {
			t.Errorf("added node's weight = %v; want %v", w, tc.want)
		}
	}
	if w := nodeHealth(t, g, "upstreams/u1", a).SlowStartWeight; w != 10 {
		t.Errorf("the node that stayed ramps (weight %v); want 10", w)
	}
}

// TestKilledBackendIsMarkedDownAndComesBack kills -9 one of two backend
// processes under load: the active checks mark it down within
// tcp_failures x interval, no GET fails meanwhile (retries), and a backend
// started again on the same address is probed healthy and gets traffic.
func TestKilledBackendIsMarkedDownAndComesBack(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    checks:
      active: {type: tcp, healthy: {interval: 1, successes: 1}, unhealthy: {interval: 1, tcp_failures: 2}}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a.Addr, b.Addr))
	load := testbed.StartLoad(base+"/", 4)
	time.Sleep(300 * time.Millisecond)
	b.Kill9()
	down := waitFor(t, 4*time.Second, "b marked down", func() bool {
		return nodeHealth(t, g, "upstreams/u1", b.Addr).Status != "healthy" && nodeHealth(t, g, "upstreams/u1", b.Addr).ProbeDown
	})
	ok, failed, first := load.Stop()
	if failed != 0 {
		t.Errorf("%d of %d GETs failed after kill -9 (first: %s); want 0", failed, ok+failed, first)
	}
	// tcp_failures 2 x interval 1 s, the first probe up to 1 s after the
	// kill, plus 5% jitter.
	if down > 3200*time.Millisecond {
		t.Errorf("killed backend marked down after %v", down)
	}
	t.Logf("killed backend marked down after %v", down)
	b.Restart(t)
	waitFor(t, 4*time.Second, "b back", func() bool {
		return nodeHealth(t, g, "upstreams/u1", b.Addr).Status == "healthy"
	})
}
