package core

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// mirrorSink records what a mirror receives.
type mirrorSink struct {
	got chan string // "METHOD PATH?QUERY HOST BODY"
}

func newMirrorSink(t *testing.T, delay time.Duration) (*mirrorSink, string) {
	s := &mirrorSink{got: make(chan string, 4096)}
	addr := backend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		time.Sleep(delay)
		s.got <- fmt.Sprintf("%s %s %s %s", r.Method, r.URL.RequestURI(), r.Host, b)
	})
	return s, addr
}

func mirrorRoute(main, mirror, extra string) string {
	return fmt.Sprintf(`
upstreams:
  - {id: u, nodes: {%q: 1}}
routes:
  - id: r
    uri: /*
    upstream_id: u
    plugins:
      proxy-mirror: {host: "http://%s"%s}
`, main, mirror, extra)
}

func TestProxyMirrorCopiesRequests(t *testing.T) {
	sink, addr := newMirrorSink(t, 0)
	g, base := startGateway(t, mirrorRoute(backend(t, named("main")), addr, `, path: /shadow, path_concat_mode: prefix`))
	status, body := post(t, base+"/orders?id=3", "hello")
	if status != 200 || body != "main" {
		t.Fatalf("client got %d %q", status, body)
	}
	select {
	case got := <-sink.got:
		if want := "POST /shadow/orders?id=3 " + addr + " hello"; got != want {
			t.Errorf("mirror got %q; want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the mirror got nothing")
	}
	waitFor(t, 2*time.Second, "mirror counted", func() bool { return g.MirrorStats("r").Sent.Load() == 1 })
}

// TestProxyMirrorNeverDelaysTheClient compares the client's p99 latency
// through a route without a mirror and through routes whose mirror is
// down or answers after 2 s: within 5% (or 5 ms, the noise floor of
// loopback timing), with no client error.
func TestProxyMirrorNeverDelaysTheClient(t *testing.T) {
	_, slow := newMirrorSink(t, 2*time.Second)
	main := backend(t, named("main"))
	_, base := startGateway(t, fmt.Sprintf(`
upstreams:
  - {id: u, nodes: {%q: 1}}
routes:
  - {id: plain, uri: /plain, upstream_id: u}
  - {id: slow, uri: /slow, upstream_id: u, plugins: {proxy-mirror: {host: "http://%s"}}}
  - {id: down, uri: /down, upstream_id: u, plugins: {proxy-mirror: {host: "http://%s"}}}
`, main, slow, closedAddr(t)))
	c := &http.Client{Timeout: 5 * time.Second}
	const n = 300
	p99 := map[string]time.Duration{}
	lat := map[string][]time.Duration{}
	// Interleaved, so that machine noise hits every route alike.
	for range n {
		for _, path := range []string{"/plain", "/slow", "/down"} {
			start := time.Now()
			if status, body, _ := get(t, c, base+path); status != 200 || body != "main" {
				t.Fatalf("%s: client got %d %q", path, status, body)
			}
			lat[path] = append(lat[path], time.Since(start))
		}
	}
	for path, ds := range lat {
		slices.Sort(ds)
		p99[path] = ds[len(ds)*99/100]
	}
	base99 := p99["/plain"]
	limit := max(base99*105/100, base99+5*time.Millisecond)
	for _, path := range []string{"/slow", "/down"} {
		if p99[path] > limit {
			t.Errorf("p99 through %s is %v; without a mirror %v (limit %v)", path, p99[path], base99, limit)
		}
	}
	t.Logf("client p99: plain %v, slow mirror %v, mirror down %v", base99, p99["/slow"], p99["/down"])
}

func TestProxyMirrorFailuresAreCountedNotSurfaced(t *testing.T) {
	g, base := startGateway(t, mirrorRoute(backend(t, named("main")), closedAddr(t), ""))
	c := &http.Client{Timeout: 5 * time.Second}
	for range 5 {
		if status, body, _ := get(t, c, base+"/"); status != 200 || body != "main" {
			t.Fatalf("client got %d %q with the mirror down", status, body)
		}
	}
	waitFor(t, 5*time.Second, "5 failures counted", func() bool { return g.MirrorStats("r").Failed.Load() == 5 })
}

func TestProxyMirrorSkipsLargeBodies(t *testing.T) {
	sink, addr := newMirrorSink(t, 0)
	g, base := startGateway(t, mirrorRoute(backend(t, named("main")), addr, `, max_body_bytes: 10`))
	if status, _ := post(t, base+"/", strings.Repeat("x", 11)); status != 200 {
		t.Fatalf("status %d", status)
	}
	if status, _ := post(t, base+"/", "small"); status != 200 {
		t.Fatalf("status %d", status)
	}
	select {
	case got := <-sink.got:
		if !strings.HasSuffix(got, " small") {
			t.Errorf("mirror got %q; want only the small body", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the mirror got nothing")
	}
	if n := g.MirrorStats("r").Skipped.Load(); n != 1 {
		t.Errorf("skipped %d; want 1", n)
	}
}

func TestProxyMirrorSampleRatio(t *testing.T) {
	sink, addr := newMirrorSink(t, 0)
	g, base := startGateway(t, mirrorRoute(backend(t, named("main")), addr, `, sample_ratio: 0.25`))
	c := &http.Client{Timeout: 5 * time.Second}
	const n = 800
	for range n {
		get(t, c, base+"/")
	}
	st := g.MirrorStats("r")
	waitFor(t, 5*time.Second, "mirrors done", func() bool { return int(st.Sent.Load()) == len(sink.got) })
	got := float64(st.Sent.Load())
	// Binomial bounds, 5 sigma: 200 ± 61 (a false failure in 1.7 million).
	if sd := math.Sqrt(n * 0.25 * 0.75); math.Abs(got-n*0.25) > 5*sd {
		t.Errorf("mirrored %v of %d at ratio 0.25", got, n)
	}
}
