package core

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

func TestBackendKill9UnderLoad(t *testing.T) {
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	b := testbed.StartBackend(t, testbed.BackendOptions{Name: "b"})
	c := testbed.StartBackend(t, testbed.BackendOptions{Name: "c"})
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1, %q: 1}
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, a.Addr, b.Addr, c.Addr))

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Half the requests are slow, so some are in flight on the
				// node when it dies.
				resp, err := cl.Get(base + "/sleep?ms=20")
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
	time.Sleep(500 * time.Millisecond)
	b.Kill9()
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d GETs failed after kill -9 of one node (first: %v); want 0", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
	}
	if ok.Load() < 100 {
		t.Errorf("only %d GETs succeeded; the load did not run", ok.Load())
	}
}
