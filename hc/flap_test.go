package hc

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// transitionLog records the health transitions a Manager logs.
type transitionLog struct {
	mu  sync.Mutex
	at  []time.Time
	msg []string
}

func (l *transitionLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *transitionLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "node healthy" || r.Message == "node unhealthy" {
		l.mu.Lock()
		l.at = append(l.at, r.Time)
		l.msg = append(l.msg, r.Message)
		l.mu.Unlock()
	}
	return nil
}

func (l *transitionLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *transitionLog) WithGroup(string) slog.Handler      { return l }

// TestFlappingNodeHysteresis probes, in real time, a node whose health
// check flips every 2 s for 60 s: it changes state at most once per 2 s,
// never twice the same way, and each change needs its threshold of probes.
func TestFlappingNodeHysteresis(t *testing.T) {
	t.Parallel()
	var sick atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	c, err := config.Parse("test.yaml", []byte(fmt.Sprintf(`
upstreams:
  - id: u1
    nodes: {%q: 1}
    checks:
      active:
        healthy: {interval: 1, successes: 2}
        unhealthy: {interval: 1, http_failures: 2}
`, addr)))
	if err != nil {
		t.Fatal(err)
	}
	log := &transitionLog{}
	m := NewManager(Options{Logger: slog.New(log)})
	defer m.Close()
	p := m.Plan()
	n, _, _ := p.Node(c.Upstreams[0].Checks, addr)
	g := upstream.NewGroup([]*upstream.Health{n.Health}, 0)
	n.Health.SetGroups([]*upstream.Group{g})
	m.Commit(p)

	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); {
		<-tick.C
		sick.Store(!sick.Load())
	}
	m.Close()

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.at) < 5 {
		t.Fatalf("%d transitions in 60 s of flapping; the checker does not follow the node", len(log.at))
	}
	for i := 1; i < len(log.at); i++ {
		if log.msg[i] == log.msg[i-1] {
			t.Errorf("transition %d repeats %q", i, log.msg[i])
		}
		// A change needs two probes 1 s (±5%) apart.
		if gap := log.at[i].Sub(log.at[i-1]); gap < 1800*time.Millisecond {
			t.Errorf("transitions %d and %d are %v apart; want at least 2 probe intervals", i-1, i, gap)
		}
	}
	if len(log.at) > 30 {
		t.Errorf("%d transitions in 60 s; want at most one per 2 s", len(log.at))
	}
	t.Logf("%d transitions in 60 s of flapping", len(log.at))
}
