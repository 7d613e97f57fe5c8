package core

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"github.com/jetwayhq/jetway/bench/testbed"
	"github.com/jetwayhq/jetway/bench/wire"
	"io"
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
	g, base := startGateway(t, catchAll(a))
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
	g, _ := startGateway(t, catchAll(a))
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

func TestReloadLetsInFlightRequestsFinish(t *testing.T) {
	old := testbed.StartBackend(t, testbed.BackendOptions{Name: "old"})
	next := backend(t, named("new"))
	g, base := startGateway(t, catchAll(old.Addr))
	// A 64 MiB download read slowly spans the reload.
	const n = 64 << 20
	resp, err := http.Get(base + fmt.Sprintf("/bytes?n=%d", n))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	// The old node leaves the config entirely.
	if err := reapply(t, g, base, fmt.Sprintf(`
upstreams:
  - id: u2
    nodes: {%q: 1}
routes:
  - {id: r2, uri: /*, upstream_id: u2}
`, next)); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := get(t, http.DefaultClient, base+"/"); body != "new" {
		t.Fatalf("after reload GET / = %q; want new", body)
	}
	h := sha256.New()
	h.Write(head)
	rest, err := io.Copy(h, resp.Body)
	if err != nil || rest != n-int64(len(head)) {
		t.Fatalf("in-flight download after reload: %d more bytes, %v; want %d", rest, err, n-int64(len(head)))
	}
	want := sha256.New()
	io.Copy(want, wire.PatternReader(n))
	if !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Error("in-flight download after reload: bytes differ from the pattern")
	}
}
