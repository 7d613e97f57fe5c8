package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// TestRunServesControlAPI runs jetway with the Control API on its own
// listener and a node that is down from the start: the API reports it
// unhealthy, and the traffic port never serves the API.
func TestRunServesControlAPI(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	listen, control, dead := testbed.FreePort(t), testbed.FreePort(t), testbed.FreePort(t)
	g := startGateway(t, listen, fmt.Sprintf(`gateway:
  control:
    listen: %q
  http:
    listen: [%q]
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1}
    checks:
      active: {type: tcp, unhealthy: {tcp_failures: 1}}
routes:
  - {id: r1, uri: /api/*, upstream_id: u1}
`, control, listen, a.Addr, dead))
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := c.Get("http://" + control + "/v1/healthcheck/upstreams/u1")
		if err != nil {
			t.Fatal(err)
		}
		var u struct {
			Nodes []struct {
				Port   int    `json:"port"`
				Status string `json:"status"`
			} `json:"nodes"`
		}
		err = json.NewDecoder(resp.Body).Decode(&u)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(u.Nodes) != 2 {
			t.Fatalf("control API: %d %+v %v", resp.StatusCode, u, err)
		}
		if u.Nodes[1].Status == "unhealthy" && u.Nodes[0].Status == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead node is not reported unhealthy: %+v", u.Nodes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status, _ := g.get(t, "/v1/healthcheck"); status != 404 {
		t.Errorf("the traffic port answered the Control API path with %d; want 404 (no route)", status)
	}
}
