package core

import (
	"fmt"
	"github.com/jetwayhq/jetway/bench/testbed"
	"net/http"
	"testing"
	"time"
)

func TestReloadUnderLoadFailsNothing(t *testing.T) {
	a := backend(t, named("a"))
	b := backend(t, named("b"))
	cfg := func(w int) string {
		return fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: %d, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a, w, b)
	}
	g, base := startGateway(t, cfg(1))
	load := testbed.StartLoad(base+"/", 4)
	for i := range 20 {
		if err := reapply(t, g, base, cfg(1+i%3)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ok, failed, first := load.Stop()
	if failed != 0 || ok == 0 {
		t.Errorf("during 20 reloads: %d ok, %d failed (first: %s); want 0 failed", ok, failed, first)
	}
}

func TestReloadKeepsNodeState(t *testing.T) {
	a := backend(t, named("a"))
	g, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a))
	get(t, http.DefaultClient, base+"/")
	n1 := g.Snapshot().upstreams["u1"].targets[0].Node
	if err := reapply(t, g, base, fmt.Sprintf(`
upstreams:
  - id: u2
    nodes: {%q: 5}
routes:
  - {id: r2, uri: /*, upstream_id: u2}
`, a)); err != nil {
		t.Fatal(err)
	}
	n2 := g.Snapshot().upstreams["u2"].targets[0].Node
	if n1 != n2 || n2.Requests() != 1 {
		t.Errorf("node after reload: same=%v requests=%d; want the same node with 1 request", n1 == n2, n2.Requests())
	}
}

func TestReloadRefusesHTTPChange(t *testing.T) {
	a := backend(t, named("a"))
	g, _ := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a))
	err := g.Apply(mustParse(t, fmt.Sprintf(`
gateway:
  http:
    listen: ["127.0.0.1:1"]
upstreams:
  - id: u1
    nodes: {%q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a)))
	if err == nil {
		t.Fatal("Apply with a new listen address succeeded; want ErrListenChanged")
	}
}
