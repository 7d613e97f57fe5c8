package core

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSlowlorisConnectionIsClosed(t *testing.T) {
	_, addr := startHeaderTimed(t, "", "0.3")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Send the header one byte at a time, slower than the timeout allows.
	io.WriteString(c, "GET / HTTP/1.1\r\n")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	go func() {
		for _, b := range []byte("Host: x\r\nX-Slow: 1") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		if err != nil {
			break
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow header connection lived %v; want it closed after the 0.3 s header timeout", d)
	}
}

func TestRouteTimeoutOverridesUpstream(t *testing.T) {
	slow := backend(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(700 * time.Millisecond):
			io.WriteString(w, "late")
		case <-r.Context().Done():
		}
	})
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    timeout: {connect: 1, send: 1, read: 0.2}
routes:
  - {id: short, uri: /short, upstream_id: u1}
  - id: long
    uri: /long
    upstream_id: u1
    timeout: {connect: 1, send: 1, read: 3}
`, slow))
	if status, _, _ := get(t, http.DefaultClient, base+"/short"); status != 504 {
		t.Errorf("upstream read timeout 0.2 s: status = %d; want 504", status)
	}
	if status, body, _ := get(t, http.DefaultClient, base+"/long"); status != 200 || body != "late" {
		t.Errorf("route read timeout 3 s: %d %q; want 200 late", status, body)
	}
}

func TestRetriesVisitEachNodeOnce(t *testing.T) {
	d1, n1 := dropper(t)
	d2, n2 := dropper(t)
	d3, n3 := dropper(t)
	for _, tc := range []struct {
		name    string
		retries string
		want    int32
	}{
		{"default is nodes-1", "", 3},
		{"retries 1", "retries: 1", 2},
		{"retries 0", "retries: 0", 1},
		{"retries beyond nodes", "retries: 10", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n1.Store(0)
			n2.Store(0)
			n3.Store(0)
			_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1, %q: 1}
    %s
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, d1, d2, d3, tc.retries))
			status, _, _ := get(t, http.DefaultClient, base+"/")
			if status != 502 {
				t.Errorf("status = %d; want 502", status)
			}
			got := []int32{n1.Load(), n2.Load(), n3.Load()}
			total := got[0] + got[1] + got[2]
			if total != tc.want {
				t.Errorf("attempts = %d %v; want %d", total, got, tc.want)
			}
			for i, n := range got {
				if n > 1 {
					t.Errorf("node %d got %d attempts; want at most 1", i, n)
				}
			}
		})
	}
}

func TestRetryTimeoutStopsRetries(t *testing.T) {
	// Each node takes 300 ms to fail; a 0.5 s retry_timeout allows two.
	var nodes []string
	for range 4 {
		nodes = append(nodes, backend(t, func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(300 * time.Millisecond)
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
		}))
	}
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1, %q: 1, %q: 1, %q: 1}
    retry_timeout: 0.5
routes:
  - {id: r1, uri: /*, upstream_id: u1}
`, nodes[0], nodes[1], nodes[2], nodes[3]))
	start := time.Now()
	status, _, _ := get(t, http.DefaultClient, base+"/")
	if status != 502 {
		t.Errorf("status = %d; want 502", status)
	}
	if d := time.Since(start); d >= 1100*time.Millisecond {
		t.Errorf("gave up after %v; want two attempts (about 0.6 s) within retry_timeout", d)
	}
}

func TestClientGoneIsNotANodeFailure(t *testing.T) {
	big := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "104857600")
		chunk := make([]byte, 64<<10)
		for range 1600 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	g, base := startGateway(t, catchAll(big))
	node := g.Snapshot().upstreams["u1"].targets[0].Node

	// The client reads the head of a 100 MB download, then leaves.
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.CopyN(io.Discard, resp.Body, 1<<20)
	c.Close()

	deadline := time.Now().Add(5 * time.Second)
	for node.InFlight() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if node.InFlight() != 0 {
		t.Fatalf("in flight = %d after the client left; want 0", node.InFlight())
	}
	if f := node.ConsecutiveFailures(); f != 0 {
		t.Errorf("consecutive failures = %d after a client left mid-download; want 0 (499 is not the node's fault)", f)
	}
	if e := node.LastError(); e != nil {
		t.Errorf("last error = %+v; want none", e)
	}
}
