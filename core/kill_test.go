package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestBackendKill9UnderLoad(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	c := testbed.StartBackend(t, testbed.BackendOptions{Name: "c"})
	// Requests take 20 ms, so some are in flight on the node when it dies.
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a.Addr, b.Addr, c.Addr))

	load := testbed.StartLoad(base+"/sleep?ms=20", 8)
	time.Sleep(500 * time.Millisecond)
	b.Kill9()
	time.Sleep(1500 * time.Millisecond)
	ok, failed, first := load.Stop()
	if failed != 0 {
		t.Errorf("%d of %d GETs failed after kill -9 of one node (first: %s); want 0", failed, ok+failed, first)
	}
	if ok < 100 {
		t.Errorf("only %d GETs succeeded; the load did not run", ok)
	}
}
