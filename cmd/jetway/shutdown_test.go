package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
)

// sleepGateway runs jetway in front of backend a with the given drain
// timeout in seconds (0: the default).
func sleepGateway(t *testing.T, drain float64) (*gateway, *testbed.Backend) {
	t.Helper()
	a := testbed.StartBackend(t, testbed.BackendOptions{Name: "a"})
	listen := testbed.FreePort(t)
	drainLine := ""
	if drain > 0 {
		drainLine = fmt.Sprintf("  drain_timeout: %g\n", drain)
	}
	g := startGateway(t, listen, fmt.Sprintf(`gateway:
  control:
    listen: ""
%s  http:
    listen: [%q]
upstreams:
  - id: u1
    nodes:
      %q: 1
routes:
  - id: r1
    uri: /*
    upstream_id: u1
`, drainLine, listen, a.Addr))
	return g, a
}

// inFlight starts n GETs of path, each on its own connection, and waits
// until the backend has received all of them. The returned channel yields
// each request's status (0 for a transport error) and is closed when all
// have ended.
func inFlight(t *testing.T, g *gateway, a *testbed.Backend, n int, path string) <-chan int {
	t.Helper()
	before := a.Counts(t).Requests
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := g.client.Get(g.url + path)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	go func() {
		wg.Wait()
		close(statuses)
	}()
	// Each /count counts itself too.
	deadline := time.Now().Add(5 * time.Second)
	for polls := int64(1); ; polls++ {
		got := a.Counts(t).Requests - before - polls
		if got >= int64(n) {
			return statuses
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend received %d of %d requests", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// collect counts the statuses as they arrive. done is closed after the
// last; then all holds every status.
type collect struct {
	completed atomic.Int32
	all       []int
	done      chan struct{}
}

func collectStatuses(statuses <-chan int) *collect {
	c := &collect{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for s := range statuses {
			c.all = append(c.all, s)
			c.completed.Add(1)
		}
	}()
	return c
}

// waitRefused dials addr until the connection is refused.
func waitRefused(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections after %v", addr, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSIGTERMDrainsRequestsInFlight(t *testing.T) {
	g, a := sleepGateway(t, 0)
	const n = 20
	c := collectStatuses(inFlight(t, g, a, n, "/sleep?ms=500"))

	if err := g.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, strings.TrimPrefix(g.url, "http://"), 5*time.Second)
	if done := c.completed.Load(); done == n {
		t.Fatalf("all %d requests had completed before new connections were refused; want refusal while they drain", n)
	}

	<-c.done
	for i, s := range c.all {
		if s != http.StatusOK {
			t.Errorf("request %d: status %d; want 200", i, s)
		}
	}
	code, err := g.proc.Wait(10 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("jetway exit code %d (%v); want 0", code, err)
	}
}

func TestDrainTimeoutEndsShutdown(t *testing.T) {
	g, a := sleepGateway(t, 0.3)
	c := collectStatuses(inFlight(t, g, a, 1, "/sleep?ms=10000"))
	start := time.Now()
	if err := g.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, err := g.proc.Wait(5 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("jetway exit code %d (%v); want 0", code, err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("shutdown took %v with drain_timeout 0.3", took)
	}
	g.waitLog(t, "drain timeout reached")
	<-c.done
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	g, a := sleepGateway(t, 0)
	c := collectStatuses(inFlight(t, g, a, 1, "/sleep?ms=10000"))
	if err := g.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	g.waitLog(t, "shutting down")
	if err := g.proc.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, err := g.proc.Wait(3 * time.Second)
	if err != nil || code != 1 {
		t.Fatalf("jetway exit code %d (%v); want 1", code, err)
	}
	<-c.done
}
