package hc

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/bench/testbed"
	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// TestMain removes the binaries the benchmarks build.
func TestMain(m *testing.M) { os.Exit(testbed.Run(m)) }

var checkerEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// report is one Report call.
type report struct {
	addr string
	r    Result
}

// checkerRig is a checker driven by a FakeClock, recording its reports.
type checkerRig struct {
	c     *Checker
	clock *FakeClock

	mu  sync.Mutex
	got []report
}

func newCheckerRig(t *testing.T, a config.ActiveCheck, healthy func(string) bool) *checkerRig {
	t.Helper()
	h := &checkerRig{clock: NewFakeClock(checkerEpoch)}
	h.c = NewChecker(a, CheckerOptions{Clock: h.clock, Report: h.report, Healthy: healthy})
	t.Cleanup(h.c.Stop)
	return h
}

func (h *checkerRig) report(addr string, r Result) {
	h.mu.Lock()
	h.got = append(h.got, report{addr, r})
	h.mu.Unlock()
}

func (h *checkerRig) reports() []report {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// waitReports waits until n reports have arrived, then until the worker
// that sent the last one has rescheduled its target: Targets takes the
// lock that reporting and rescheduling hold together.
func (h *checkerRig) waitReports(t *testing.T, n int) []report {
	t.Helper()
	waitFor(t, "reports", func() bool { return len(h.reports()) >= n })
	h.c.Targets()
	return h.reports()
}

// step advances the clock by d, no more than the shortest interval, and
// waits for the probes of every target that falls due meanwhile.
func (h *checkerRig) step(t *testing.T, d time.Duration) {
	t.Helper()
	h.c.mu.Lock()
	end, due := h.clock.Now().Add(d), 0
	for _, sl := range h.c.queue {
		if !sl.due.After(end) {
			due++
		}
	}
	h.c.mu.Unlock()
	want := len(h.reports()) + due
	h.clock.Advance(d)
	if got := h.waitReports(t, want); len(got) != want {
		t.Fatalf("advancing to %v brought %d reports; want %d", end.Sub(checkerEpoch), len(got)-want+due, due)
	}
}

// perAddr counts reports by address.
func perAddr(rs []report) map[string]int {
	m := make(map[string]int)
	for _, r := range rs {
		m[r.addr]++
	}
	return m
}

// checkerGoroutines counts the goroutines NewChecker and startWorkers
// started that are still alive.
func checkerGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return strings.Count(string(buf), "created by github.com/jetwayhq/jetway/hc.NewChecker ") +
		strings.Count(string(buf), "created by github.com/jetwayhq/jetway/hc.(*Checker).startWorkers ")
}

// ownGoroutines is how many goroutines c should run for targets that are
// IP addresses: its event loop alone, or a scheduler and one worker per
// unit of concurrency.
func ownGoroutines(c *Checker) int {
	if c.loop != nil {
		return 1
	}
	return 1 + cap(c.work)
}

func TestNextDue(t *testing.T) {
	at := func(ms int) time.Time { return checkerEpoch.Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name             string
		due, now         int
		interval, jitter time.Duration
		want             int
	}{
		{"fast probe", 0, 10, time.Second, 0, 1000},
		{"jitter", 0, 10, time.Second, 30 * time.Millisecond, 1030},
		{"slow probe keeps the phase", 0, 900, time.Second, 0, 1000},
		{"probe ends on the next slot", 0, 1000, time.Second, 0, 2000},
		{"missed slots are skipped", 0, 3500, time.Second, 0, 4000},
		{"missed slots keep jitter", 0, 3500, time.Second, 20 * time.Millisecond, 4020},
		{"late pickup", 5000, 5200, 3 * time.Second, 0, 8000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextDue(at(tc.due), at(tc.now), tc.interval, tc.jitter); !got.Equal(at(tc.want)) {
				t.Errorf("nextDue(%d, %d, %v, %v) = %v; want %dms", tc.due, tc.now, tc.interval, tc.jitter, got.Sub(checkerEpoch), tc.want)
			}
		})
	}
}

func TestCheckerFirstRound(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 100, nil)
	h := newCheckerRig(t, activeCheck(t, ""), nil) // interval 1 s, concurrency 10
	h.c.SetTargets(s.addrs)
	if got := h.c.Targets(); !slices.Equal(got, slices.Sorted(slices.Values(s.addrs))) {
		t.Fatalf("Targets() = %v; want the 100 addresses, sorted", got)
	}
	if n, want := checkerGoroutines(), ownGoroutines(h.c); n != want {
		t.Errorf("checker runs %d goroutines for 100 targets; want %d", n, want)
	}

	// First probes are spread over the interval: each tenth of it holds
	// one of 100 uniform offsets with probability 1-0.9^100 > 0.9999.
	h.c.mu.Lock()
	var tenths [10]int
	for _, sl := range h.c.queue {
		off := sl.due.Sub(checkerEpoch)
		if off < 0 || off >= time.Second {
			t.Errorf("first probe of %s due at +%v; want within [0, 1s)", sl.t.addr, off)
			continue
		}
		tenths[off/(100*time.Millisecond)]++
	}
	h.c.mu.Unlock()
	if slices.Contains(tenths[:], 0) {
		t.Errorf("first probes per tenth of the interval: %v; want them spread", tenths)
	}

	// Probing needs no traffic: the clock alone drives it, half the
	// targets in the first half second (binomial bounds, p < 1e-9).
	h.step(t, 500*time.Millisecond)
	if n := len(h.reports()); n < 20 || n > 80 {
		t.Errorf("%d of 100 targets probed in the first half interval; want about 50", n)
	}
	h.step(t, 500*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // room for a stray extra probe
	rs := h.reports()
	counts := perAddr(rs)
	for _, addr := range s.addrs {
		if counts[addr] != 1 {
			t.Errorf("%s probed %d times in one interval; want 1", addr, counts[addr])
		}
	}
	if len(rs) != 100 {
		t.Errorf("%d reports in one interval; want 100", len(rs))
	}
	for _, r := range rs {
		checkResult(t, r.r, upstream.Successes, true, 200, "")
	}

	// Every second probe falls due before 2.05 s (jitter is at most 5%),
	// and reuses its target's connection.
	for range 11 {
		h.step(t, 100*time.Millisecond)
	}
	for _, addr := range s.addrs {
		if got := perAddr(h.reports())[addr]; got < 2 || got > 3 {
			t.Errorf("%s probed %d times in 2.1 intervals; want 2 or 3", addr, got)
		}
		if got := s.accepts(addr); got != 1 {
			t.Errorf("%s: %d connections; want 1", addr, got)
		}
	}
}

func TestCheckerIntervalByHealth(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 2, nil)
	sick, fine := s.addrs[0], s.addrs[1]
	h := newCheckerRig(t, activeCheck(t, "healthy: {interval: 1}, unhealthy: {interval: 3}"),
		func(addr string) bool { return addr != sick })
	h.c.SetTargets(s.addrs)
	for range 70 {
		h.step(t, 100*time.Millisecond)
	}
	at := map[string][]time.Time{}
	for _, r := range h.reports() {
		at[r.addr] = append(at[r.addr], r.r.At)
	}
	// Report times are step ends, 100 ms apart: gaps are the interval
	// plus up to 5% jitter, give or take one step.
	for _, tc := range []struct {
		addr       string
		interval   time.Duration
		minN, maxN int
	}{
		{sick, 3 * time.Second, 2, 3},
		{fine, time.Second, 6, 7},
	} {
		ts := at[tc.addr]
		if len(ts) < tc.minN || len(ts) > tc.maxN {
			t.Errorf("%s probed %d times in 7 s at interval %v; want %d..%d", tc.addr, len(ts), tc.interval, tc.minN, tc.maxN)
		}
		for i := 1; i < len(ts); i++ {
			gap := ts[i].Sub(ts[i-1])
			if gap <= tc.interval-100*time.Millisecond || gap >= tc.interval+tc.interval/20+100*time.Millisecond {
				t.Errorf("%s probes %v apart; want about %v", tc.addr, gap, tc.interval)
			}
		}
	}
}

func TestCheckerSetTargets(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 5, nil)
	a := s.addrs
	h := newCheckerRig(t, activeCheck(t, ""), nil)
	h.c.SetTargets(a[:4])
	for range 10 {
		h.step(t, 100*time.Millisecond)
	}
	if got := len(h.reports()); got != 4 {
		t.Fatalf("%d reports in the first interval; want 4", got)
	}

	h.c.mu.Lock()
	kept := map[string]time.Time{a[0]: h.c.targets[a[0]].due, a[1]: h.c.targets[a[1]].due}
	h.c.mu.Unlock()
	h.c.SetTargets([]string{a[4], a[1], a[0]})
	if got, want := h.c.Targets(), slices.Sorted(slices.Values([]string{a[0], a[1], a[4]})); !slices.Equal(got, want) {
		t.Fatalf("Targets() = %v; want %v", got, want)
	}
	h.c.mu.Lock()
	for addr, due := range kept {
		if got := h.c.targets[addr].due; !got.Equal(due) {
			t.Errorf("%s due at %v after SetTargets; want %v kept", addr, got, due)
		}
	}
	h.c.mu.Unlock()
	for _, addr := range a[2:4] {
		waitFor(t, "a removed target's connection to close", func() bool { return s.open(addr) == 0 })
	}

	before := len(h.reports())
	for range 30 {
		h.step(t, 100*time.Millisecond)
	}
	counts := perAddr(h.reports()[before:])
	for _, addr := range a[2:4] {
		if counts[addr] != 0 {
			t.Errorf("removed %s reported %d times", addr, counts[addr])
		}
	}
	for _, addr := range []string{a[0], a[1], a[4]} {
		if counts[addr] < 2 {
			t.Errorf("%s reported %d times in 3 s; want at least 2", addr, counts[addr])
		}
	}
	for _, addr := range a[:2] {
		if got := s.accepts(addr); got != 1 {
			t.Errorf("kept %s used %d connections; want 1", addr, got)
		}
	}
}

func TestCheckerRemovesInFlight(t *testing.T) {
	leakCheck(t)
	hang := startHangServer(t)
	h := newCheckerRig(t, activeCheck(t, "timeout: 30"), nil)
	h.c.SetTargets([]string{hang.addr})
	h.clock.Advance(time.Second)
	waitFor(t, "the probe to arrive", func() bool { read, _ := hang.counts(); return read == 1 })
	start := time.Now()
	h.c.SetTargets(nil)
	waitFor(t, "the connection to close", func() bool { _, closed := hang.counts(); return closed == 1 })
	if d := time.Since(start); d > time.Second {
		t.Errorf("in-flight connection closed %v after SetTargets; want at once", d)
	}
	time.Sleep(50 * time.Millisecond)
	if rs := h.reports(); len(rs) != 0 {
		t.Errorf("removed in-flight target reported %+v; want nothing", rs)
	}
}

func TestCheckerConcurrency(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 12, nil)
	h := newCheckerRig(t, activeCheck(t, "concurrency: 3, http_path: /slow"), nil)
	h.c.SetTargets(s.addrs)
	h.clock.Advance(time.Second) // every target falls due at once
	h.waitReports(t, 12)
	s.mu.Lock()
	peak := s.peak
	s.mu.Unlock()
	if peak != 3 {
		t.Errorf("%d probes in flight at most; want 3 (the concurrency)", peak)
	}
	if n, want := checkerGoroutines(), ownGoroutines(h.c); n != want {
		t.Errorf("checker runs %d goroutines; want %d", n, want)
	}
}

func TestCheckerStop(t *testing.T) {
	t.Run("hanging probes", func(t *testing.T) {
		leakCheck(t)
		var addrs []string
		var hangs []*hangServer
		for range 3 {
			hs := startHangServer(t)
			hangs = append(hangs, hs)
			addrs = append(addrs, hs.addr)
		}
		h := newCheckerRig(t, activeCheck(t, "timeout: 30, concurrency: 3"), nil)
		h.c.SetTargets(addrs)
		h.clock.Advance(time.Second)
		for _, hs := range hangs {
			waitFor(t, "the probes to arrive", func() bool { read, _ := hs.counts(); return read == 1 })
		}
		start := time.Now()
		h.c.Stop()
		if d := time.Since(start); d > time.Second {
			t.Errorf("Stop took %v with probes hanging; want it prompt", d)
		}
		for _, hs := range hangs {
			if _, closed := hs.counts(); closed != 1 {
				// Stop closed the client side; the server sees it soon.
				waitFor(t, "the connections to close", func() bool { _, closed := hs.counts(); return closed == 1 })
			}
		}
		if rs := h.reports(); len(rs) != 0 {
			t.Errorf("stopped checker reported %+v; want nothing", rs)
		}
		h.c.Stop() // idempotent
		h.c.SetTargets(addrs)
		// Stop returns once every goroutine has signalled its end; the
		// last may still be returning from its function.
		waitFor(t, "the checker's goroutines to end", func() bool { return checkerGoroutines() == 0 })
	})
	t.Run("idle connections", func(t *testing.T) {
		leakCheck(t)
		s := startProbeServer(t, 3, nil)
		h := newCheckerRig(t, activeCheck(t, ""), nil)
		h.c.SetTargets(s.addrs)
		h.clock.Advance(time.Second)
		h.waitReports(t, 3)
		h.c.Stop()
		for _, addr := range s.addrs {
			waitFor(t, "the kept connections to close", func() bool { return s.open(addr) == 0 })
		}
	})
}

func TestCheckerRealClock(t *testing.T) {
	leakCheck(t)
	s := startProbeServer(t, 5, nil)
	done := make(chan string, 100)
	c := NewChecker(activeCheck(t, ""), CheckerOptions{Report: func(addr string, r Result) {
		if r.Err == "" {
			done <- addr
		}
	}})
	defer c.Stop()
	start := time.Now()
	c.SetTargets(s.addrs)
	seen := map[string]bool{}
	timeout := time.After(3 * time.Second)
	for len(seen) < len(s.addrs) {
		select {
		case addr := <-done:
			seen[addr] = true
		case <-timeout:
			t.Fatalf("after 3 s only %d of %d targets were probed", len(seen), len(s.addrs))
		}
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("first round took %v; want within the 1 s interval", d)
	}
}
