package hc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// passiveChecks returns checks with passive checks only, defaults applied,
// changed by edit.
func passiveChecks(t *testing.T, edit string) *config.Checks {
	t.Helper()
	src := fmt.Sprintf("upstreams: [{id: u, nodes: {\"127.0.0.1:1\": 1}, checks: {passive: {%s}}}]\n", edit)
	c, err := config.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c.Upstreams[0].Checks
}

// fixture is a manager holding one upstream of n nodes, committed and
// grouped as core does it.
type fixture struct {
	m       *Manager
	clock   *FakeClock
	nodes   []*Node
	passive *Passive
	group   *upstream.Group
}

func newFixture(t *testing.T, checks *config.Checks, n int) *fixture {
	t.Helper()
	clock := NewFakeClock(epoch)
	m := NewManager(Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(m.Close)
	f := &fixture{m: m, clock: clock}
	f.apply(checks, n)
	return f
}

// apply plans and commits n nodes under checks, as a reload does.
func (f *fixture) apply(checks *config.Checks, n int) {
	p := f.m.Plan()
	f.nodes = f.nodes[:0]
	var members []*upstream.Health
	for i := range n {
		node, passive, _ := p.Node(checks, fmt.Sprintf("127.0.0.1:%d", 1000+i))
		f.nodes = append(f.nodes, node)
		f.passive = passive
		members = append(members, node.Health)
	}
	f.group = upstream.NewGroup(members, checks.HealthyPanicThreshold)
	for _, h := range members {
		h.SetGroups([]*upstream.Group{f.group})
	}
	f.group.Recount()
	f.m.Commit(p)
}

func (f *fixture) fail(n *Node, times int) {
	for range times {
		f.passive.Observe(n, upstream.Success, 500)
	}
}

func ejected(n *Node) bool { return n.Health.State()&upstream.Ejected != 0 }

func TestPassiveEjectsAfterExactlyHTTPFailures(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 4)
	n := f.nodes[0]
	f.fail(n, 4)
	if ejected(n) {
		t.Fatal("ejected after 4 failures; want 5 (http_failures default)")
	}
	f.fail(n, 1)
	if !ejected(n) || n.Health.Available() {
		t.Fatal("not ejected after 5 consecutive 500s")
	}
	if got := f.group.Ejected(); got != 1 {
		t.Errorf("group ejected = %d; want 1", got)
	}
}

func TestPassiveSuccessResetsTheRun(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 2)
	n := f.nodes[0]
	f.fail(n, 4)
	f.passive.Observe(n, upstream.Success, 200)
	f.fail(n, 4)
	if ejected(n) {
		t.Fatal("ejected although a success broke the run of failures")
	}
}

func TestPassiveOutcomes(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 4) // 50% of 4: two may be ejected
	// tcp_failures 2, timeouts 7 by default.
	f.passive.Observe(f.nodes[0], upstream.ConnectFailure, 0)
	f.passive.Observe(f.nodes[0], upstream.Failure, 0)
	if !ejected(f.nodes[0]) {
		t.Error("2 tcp failures did not eject")
	}
	for range 6 {
		f.passive.Observe(f.nodes[1], upstream.Timeout, 0)
	}
	if ejected(f.nodes[1]) {
		t.Error("6 timeouts ejected; want 7")
	}
	// Statuses in neither list and clients that left count for nothing.
	f.passive.Observe(f.nodes[1], upstream.Success, 404)
	f.passive.Observe(f.nodes[1], upstream.ClientGone, 0)
	f.passive.Observe(f.nodes[1], upstream.Timeout, 0)
	if !ejected(f.nodes[1]) {
		t.Error("7 timeouts did not eject")
	}
}

func TestEjectionBackoff(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 2)
	n := f.nodes[0]
	f.fail(n, 5)
	f.clock.Advance(30*time.Second - time.Millisecond)
	if !ejected(n) {
		t.Fatal("back before 30 s")
	}
	f.clock.Advance(time.Millisecond)
	if ejected(n) || !n.Health.Available() {
		t.Fatal("still ejected after 30 s")
	}
	if n.Health.UpSince() != f.clock.Now().UnixNano() {
		t.Error("return did not start the slow-start ramp")
	}
	// Failing again at once: the second ejection lasts 60 s.
	f.fail(n, 5)
	f.clock.Advance(59 * time.Second)
	if !ejected(n) {
		t.Fatal("second ejection ended before 60 s")
	}
	f.clock.Advance(time.Second)
	if ejected(n) {
		t.Fatal("second ejection lasted more than 60 s")
	}
	if got := n.Health.Ejections(); got != 2 {
		t.Errorf("ejections = %d; want 2", got)
	}
}

func TestEjectionTimeIsCapped(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 2)
	n := f.nodes[0]
	want := []time.Duration{30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300}
	for i, w := range want {
		f.fail(n, 5)
		got := time.Unix(0, n.Health.EjectedUntil()).Sub(f.clock.Now())
		if got != w*time.Second {
			t.Fatalf("ejection %d lasts %v; want %v", i+1, got, w*time.Second)
		}
		f.clock.Advance(got)
		if ejected(n) {
			t.Fatalf("ejection %d did not end", i+1)
		}
	}
}

func TestEjectionMultiplierDecays(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 2)
	n := f.nodes[0]
	f.fail(n, 5)
	f.clock.Advance(30 * time.Second)
	f.fail(n, 5)
	f.clock.Advance(60 * time.Second)
	// Up for 60 s = two base ejection times: the multiplier falls from 2
	// to 0, so the next ejection is a first one again.
	f.clock.Advance(60 * time.Second)
	f.fail(n, 5)
	if got := time.Unix(0, n.Health.EjectedUntil()).Sub(f.clock.Now()); got != 30*time.Second {
		t.Errorf("ejection after a long healthy spell lasts %v; want 30s", got)
	}
}

func TestMaxEjectionPercent(t *testing.T) {
	for _, tc := range []struct {
		pct, nodes, want int
	}{
		{50, 4, 2},
		{50, 5, 2},
		{0, 4, 1}, // at least one may always be ejected
		{100, 3, 3},
		{10, 3, 1},
	} {
		t.Run(fmt.Sprintf("%d%% of %d", tc.pct, tc.nodes), func(t *testing.T) {
			f := newFixture(t, passiveChecks(t, fmt.Sprintf("max_ejection_percent: %d", tc.pct)), tc.nodes)
			for _, n := range f.nodes {
				f.fail(n, 5)
			}
			if got := f.group.Ejected(); got != tc.want {
				t.Errorf("ejected %d nodes; want %d", got, tc.want)
			}
			// A node refused by the cap is ejected once another returns.
			f.clock.Advance(30 * time.Second)
			last := f.nodes[len(f.nodes)-1]
			if tc.want < tc.nodes && ejected(last) {
				t.Fatal("the last node was ejected beyond the cap")
			}
			f.fail(last, 5)
			if !ejected(last) {
				t.Error("the last node was not ejected once room was made")
			}
		})
	}
}

func TestPassiveSuccessesRestoreInPanic(t *testing.T) {
	f := newFixture(t, passiveChecks(t, "healthy: {successes: 3}"), 1)
	n := f.nodes[0]
	f.fail(n, 5)
	if !ejected(n) {
		t.Fatal("not ejected")
	}
	if !f.group.Panic() {
		t.Fatal("every node down, but no panic")
	}
	for range 3 {
		f.passive.Observe(n, upstream.Success, 200)
	}
	if !n.Health.Available() {
		t.Fatal("3 good answers in panic mode did not bring the node back")
	}
	if f.clock.Pending() != 0 {
		t.Errorf("%d timers pending after the node came back; want 0", f.clock.Pending())
	}
}

func TestStateSurvivesReload(t *testing.T) {
	checks := passiveChecks(t, "")
	f := newFixture(t, checks, 3)
	n0 := f.nodes[0]
	f.fail(n0, 5)
	for range 10 {
		f.apply(passiveChecks(t, ""), 3)
		f.clock.Advance(time.Second)
	}
	if f.nodes[0] != n0 || !ejected(n0) {
		t.Fatal("a reload lost the ejection")
	}
	if f.group.Ejected() != 1 {
		t.Errorf("new group counts %d ejected; want 1", f.group.Ejected())
	}
	// Shrinking the node list drops the ejected node and its timer.
	f.apply(checks, 0)
	if f.clock.Pending() != 0 {
		t.Errorf("%d timers pending after the node was removed; want 0", f.clock.Pending())
	}
	f.apply(checks, 3)
	if f.nodes[0] == n0 || ejected(f.nodes[0]) {
		t.Error("a removed node's state came back")
	}
}

func TestPassiveObserveDoesNotAllocate(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 2)
	n := f.nodes[0]
	allocs := testing.AllocsPerRun(1000, func() {
		f.passive.Observe(n, upstream.Success, 200)
		f.passive.Observe(n, upstream.Success, 500)
		f.passive.Observe(n, upstream.Success, 200)
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %.1f times; want 0", allocs)
	}
}

func BenchmarkPassiveObserve(b *testing.B) {
	c, err := config.Parse("b.yaml", []byte("upstreams: [{id: u, nodes: {\"127.0.0.1:1\": 1}, checks: {passive: {}}}]\n"))
	if err != nil {
		b.Fatal(err)
	}
	m := NewManager(Options{Clock: NewFakeClock(epoch)})
	defer m.Close()
	p := m.Plan()
	n, passive, _ := p.Node(c.Upstreams[0].Checks, "127.0.0.1:1")
	m.Commit(p)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			passive.Observe(n, upstream.Success, 200)
		}
	})
}

func TestPassingProbesEndAnEjection(t *testing.T) {
	c, err := config.Parse("test.yaml", []byte("upstreams: [{id: u, nodes: {\"127.0.0.1:1\": 1}, checks: {active: {type: tcp, healthy: {successes: 2}}, passive: {}}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, c.Upstreams[0].Checks, 2)
	n := f.nodes[0]
	// The checker's goroutine sets its timer for the first due probe.
	waitFor(t, "the checker's timer", func() bool { return f.clock.Pending() == 1 })
	f.fail(n, 5)
	if !ejected(n) {
		t.Fatal("not ejected")
	}
	if f.clock.Pending() != 2 {
		t.Fatalf("%d timers pending after the ejection; want the checker's and the ejection's", f.clock.Pending())
	}
	ok := Result{Counter: upstream.Successes, Counts: true, At: f.clock.Now()}
	n.spec.report(n.Health.Addr(), ok)
	if !ejected(n) {
		t.Fatal("one passing probe ended the ejection; want healthy.successes (2)")
	}
	n.spec.report(n.Health.Addr(), ok)
	if ejected(n) || !n.Health.Available() {
		t.Fatal("2 passing probes did not end the ejection")
	}
	if f.clock.Pending() != 1 { // the checker's own timer; the ejection timer is gone
		t.Errorf("%d timers pending; want only the checker's", f.clock.Pending())
	}
	if p := n.Health.LastProbe(); p == nil || p.Counter != upstream.Successes {
		t.Errorf("last probe = %+v", p)
	}
}

// logRecords collects log messages with their reason attribute.
type logRecords struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" {
			line += ": " + a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	l.msgs = append(l.msgs, line)
	l.mu.Unlock()
	return nil
}

func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

func TestTransitionsAreLoggedOnceWithTheirReason(t *testing.T) {
	f := newFixture(t, passiveChecks(t, ""), 2)
	log := &logRecords{}
	f.m.log = slog.New(log)
	n := f.nodes[0]
	f.fail(n, 8) // three more failures after the ejection log nothing
	f.clock.Advance(30 * time.Second)
	want := []string{
		"node unhealthy: 5 consecutive http_failures: 500",
		"node healthy: ejection time passed",
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if !slices.Equal(log.msgs, want) {
		t.Errorf("logged %q; want %q", log.msgs, want)
	}
}
