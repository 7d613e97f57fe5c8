package e2e

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
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

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(j.url("/"))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, resp.Status)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	// 10 rewrites a second for 3 seconds.
	for i := 1; i <= 30; i++ {
		j.write(t, cfg(i))
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || ok.Load() < 100 {
		t.Errorf("under 30 rewrites: %d ok, %d failed (first: %v); want 0 failed", ok.Load(), failed.Load(), firstErr.Load())
	}
}
