package testbed

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a bounded GET load: workers each send requests to one URL, one
// at a time, until Stop. It counts answers with status 200 as ok and
// everything else (errors included) as failed.
type Load struct {
	ok, failed atomic.Int64
	firstErr   atomic.Value
	stop       chan struct{}
	wg         sync.WaitGroup
}

// StartLoad starts workers goroutines sending GET url over keep-alive
// connections. Each request times out after 10 s.
func StartLoad(url string, workers int) *Load {
	l := &Load{stop: make(chan struct{})}
	for range workers {
		l.wg.Add(1)
		go l.run(url)
	}
	return l
}

func (l *Load) run(url string) {
	defer l.wg.Done()
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		resp, err := c.Get(url)
		if err != nil {
			l.fail(err.Error())
			continue
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			l.fail(err.Error())
		case resp.StatusCode != http.StatusOK:
			l.fail(resp.Status)
		default:
			l.ok.Add(1)
		}
	}
}

func (l *Load) fail(why string) {
	l.failed.Add(1)
	l.firstErr.CompareAndSwap(nil, why)
}

// Stop ends the load, waits for the workers and returns the counts and the
// first failure seen ("" when none).
func (l *Load) Stop() (ok, failed int64, first string) {
	close(l.stop)
	l.wg.Wait()
	first, _ = l.firstErr.Load().(string)
	return l.ok.Load(), l.failed.Load(), first
}
