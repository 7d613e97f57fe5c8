package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

func TestConfigRewrittenUnderLoad(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	cfg := func(i int) string {
		return fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: %d, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1, priority: %d}
`, a.Addr, 1+i%4, b.Addr, i)
	}
	j := startJetway(t, cfg(0))

	load := testbed.StartLoad(j.url("/"), 4)
	// 10 rewrites a second for 3 seconds.
	for i := 1; i <= 30; i++ {
		j.write(t, cfg(i))
		time.Sleep(100 * time.Millisecond)
	}
	ok, failed, first := load.Stop()
	if failed != 0 || ok < 100 {
		t.Errorf("under 30 rewrites: %d ok, %d failed (first: %s); want 0 failed", ok, failed, first)
	}
}
