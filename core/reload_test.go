package core

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
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
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(base + "/")
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	for i := range 20 {
		if err := reapply(t, g, base, cfg(1+i%3)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || ok.Load() == 0 {
		t.Errorf("during 20 reloads: %d ok, %d failed; want 0 failed", ok.Load(), failed.Load())
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
