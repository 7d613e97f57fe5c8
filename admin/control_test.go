package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/core"
)

// startControl applies resources to a gateway that is not serving traffic
// and starts its Control API on a free port; it returns the API's base
// URL.
func startControl(t *testing.T, resources string) (*core.Gateway, string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := config.Parse("test.yaml", []byte(resources))
	if err != nil {
		t.Fatal(err)
	}
	g := core.New(core.Options{Logger: log})
	if err := g.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	c := NewControl(g, log)
	if err := c.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
		_ = g.Shutdown(ctx)
	})
	return g, "http://" + c.Addr().String()
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

func TestHealthcheckShape(t *testing.T) {
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer live.Close()
	liveAddr := strings.TrimPrefix(live.URL, "http://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	g, base := startControl(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 2, %q: 1}
    checks:
      active: {type: tcp, unhealthy: {tcp_failures: 1}}
  - id: plain
    nodes: {%[1]q: 1}
routes:
  - {id: r1, uri: /a, upstream_id: u1}
  - id: r2
    uri: /b
    upstream: {nodes: {%[1]q: 1}, checks: {passive: {}}}
`, liveAddr, dead))

	// Raw JSON first: the field names are APISIX's.
	var raw []map[string]any
	if status := getJSON(t, base+"/v1/healthcheck", &raw); status != 200 {
		t.Fatalf("status %d", status)
	}
	if len(raw) != 2 {
		t.Fatalf("%d checked upstreams; want 2 (u1 and route r2's), plain has no checks", len(raw))
	}
	node := raw[0]["nodes"].([]any)[0].(map[string]any)
	for _, k := range []string{"ip", "port", "status", "counter", "weight", "ejections", "slow_start_weight"} {
		if _, ok := node[k]; !ok {
			t.Errorf("node lacks %q: %v", k, node)
		}
	}
	counter := node["counter"].(map[string]any)
	for _, k := range []string{"success", "http_failure", "tcp_failure", "timeout_failure"} {
		if _, ok := counter[k]; !ok {
			t.Errorf("counter lacks %q: %v", k, counter)
		}
	}

	var u core.UpstreamHealth
	deadline := time.Now().Add(3 * time.Second)
	for {
		if status := getJSON(t, base+"/v1/healthcheck/upstreams/u1", &u); status != 200 {
			t.Fatalf("status %d", status)
		}
		if u.Nodes[1].Status == "unhealthy" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if u.Name != "upstreams/u1" || u.Type != "tcp" || len(u.Nodes) != 2 {
		t.Fatalf("u1 = %+v", u)
	}
	if n := u.Nodes[1]; n.Status != "unhealthy" || !n.ProbeDown || n.LastProbe == nil || n.LastProbe.Result != "tcp_failure" {
		t.Errorf("dead node = %+v; want unhealthy by probe", n)
	}
	if n := u.Nodes[0]; n.Status != "healthy" || n.Weight != 2 || n.IP != "127.0.0.1" {
		t.Errorf("live node = %+v", n)
	}
	if u.Healthy != 1 || u.Total != 2 || u.Panic {
		t.Errorf("counts = %d/%d panic %v; want 1/2, no panic", u.Healthy, u.Total, u.Panic)
	}

	var r2 core.UpstreamHealth
	if status := getJSON(t, base+"/v1/healthcheck/routes/r2", &r2); status != 200 || r2.Type != "http" {
		t.Errorf("routes/r2: %d %+v", status, r2)
	}
	var e struct {
		ErrorMsg string `json:"error_msg"`
	}
	if status := getJSON(t, base+"/v1/healthcheck/upstreams/plain", &e); status != 404 || e.ErrorMsg == "" {
		t.Errorf("unchecked upstream: %d %+v; want 404 with error_msg", status, e)
	}
	if status := getJSON(t, base+"/v1/healthcheck/widgets/x", &e); status != 400 {
		t.Errorf("unknown kind: %d; want 400", status)
	}
	if status := getJSON(t, base+"/v2/nothing", &e); status != 404 {
		t.Errorf("unknown path: %d; want 404", status)
	}
	_ = g
}

func TestMirrorCounters(t *testing.T) {
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer mirror.Close()
	_, base := startControl(t, fmt.Sprintf(`
routes:
  - id: r1
    uri: /
    upstream: {nodes: {"127.0.0.1:1": 1}}
    plugins: {proxy-mirror: {host: %q}}
  - {id: r2, uri: /b, upstream: {nodes: {"127.0.0.1:1": 1}}}
`, mirror.URL))
	var got []core.MirrorView
	if status := getJSON(t, base+"/v1/mirror", &got); status != 200 {
		t.Fatalf("status %d", status)
	}
	want := []core.MirrorView{{Route: "r1", Host: strings.TrimPrefix(mirror.URL, "http://")}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("GET /v1/mirror = %+v; want %+v", got, want)
	}
}

func TestCanaryEndpoints(t *testing.T) {
	_, base := startControl(t, `
upstreams:
  - {id: stable, nodes: {"127.0.0.1:1": 1}}
  - {id: canary, nodes: {"127.0.0.1:2": 1}}
routes:
  - id: r1
    uri: /
    upstream_id: stable
    plugins:
      traffic-split:
        rules: [{weighted_upstreams: [{upstream_id: canary}, {weight: 1}]}]
        ramp: {steps: [5, 25, 100]}
`)
	var all []core.RampView
	if status := getJSON(t, base+"/v1/canary", &all); status != 200 || len(all) != 1 || all[0].Route != "r1" || all[0].Weight != 5 || all[0].State != "running" {
		t.Fatalf("GET /v1/canary = %d %+v", status, all)
	}
	var one core.RampView
	if status := getJSON(t, base+"/v1/canary/r1", &one); status != 200 || len(one.Steps) != 3 {
		t.Fatalf("GET /v1/canary/r1 = %d %+v", status, one)
	}
	post := func(path string, v any) int {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if status := post("/v1/canary/r1/pause", &one); status != 200 || one.State != "paused" {
		t.Errorf("pause = %d %+v", status, one)
	}
	if status := post("/v1/canary/r1/rollback", &one); status != 200 || one.State != "rolled_back" || one.Weight != 0 {
		t.Errorf("rollback = %d %+v", status, one)
	}
	var e struct {
		ErrorMsg string `json:"error_msg"`
	}
	if status := post("/v1/canary/r1/explode", &e); status != 400 || e.ErrorMsg == "" {
		t.Errorf("unknown action = %d %+v", status, e)
	}
	if status := post("/v1/canary/nope/pause", &e); status != 404 {
		t.Errorf("unknown route = %d %+v", status, e)
	}
	if status := getJSON(t, base+"/v1/canary/nope", &e); status != 404 {
		t.Errorf("GET unknown route = %d", status)
	}
}
