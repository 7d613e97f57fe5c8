package hc

import (
	"container/heap"
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/upstream"
)

// Scheduling constants.
const (
	// jitterDiv spreads probes of one target: each is due up to
	// interval/jitterDiv (5%) after the previous one's due time plus the
	// interval, never before, so nodes added together drift apart.
	jitterDiv = 20
	// armSlack is how far the clock may move while the scheduler sets its
	// timer before it sets it again (a FakeClock advanced by a test).
	armSlack = time.Millisecond
	// tick rounds due times up, so that probes falling due within one
	// tick go out together as a batch: one worker writes every request of
	// the batch, then reads every answer, which by then has mostly
	// arrived. At 10,000 probes a second this saves a goroutine park and
	// wake per probe; a probe is at most one tick late.
	tick = 5 * time.Millisecond
	// maxBatch bounds the probes one worker starts together.
	maxBatch = 32
	// lateGrace is how long a read waits when an earlier probe of its
	// batch held the worker past the probe's deadline: an answer that
	// already arrived counts.
	lateGrace = time.Millisecond
)

// Result is one probe's outcome.
type Result struct {
	Counter upstream.Counter // the counter the probe feeds
	Counts  bool             // false when the status is in neither list (no counter moves)
	Status  int              // HTTP status; 0 for tcp probes and failures
	Err     string           // failure text, "" on success
	At      time.Time        // clock time the probe finished
}

// CheckerOptions are a Checker's collaborators.
type CheckerOptions struct {
	Clock Clock // nil: RealClock
	// Report receives every result, from the checker's goroutines; it must
	// not block long, nor call the Checker's methods.
	Report func(addr string, r Result)
	// Healthy reports the node's current health; it picks the probe
	// interval (healthy.interval vs unhealthy.interval). nil: always
	// healthy. Like Report, it must not call the Checker's methods.
	Healthy func(addr string) bool
	RootCAs *x509.CertPool // nil: system roots (https probes)
	Logger  *slog.Logger   // nil: discard
}

// Checker probes the nodes of one active check spec (APISIX checks.active).
// One scheduler goroutine keeps the targets in a min-heap by due time and
// sleeps on one Clock timer until the earliest is due; it hands the due
// targets, in batches, to a fixed pool of spec.Concurrency probe workers.
// A worker starts every probe of its batch, finishes them in order,
// reports, and puts the targets back with their next due times. At most
// spec.Concurrency probes are in flight. The number of goroutines does not
// depend on the number of targets.
//
// Methods are safe for concurrent use.
type Checker struct {
	spec    probeSpec
	clock   Clock
	report  func(addr string, r Result)
	healthy func(addr string) bool
	log     *slog.Logger
	tlsConf *tls.Config // https: shared, or cloned per target for its ServerName

	ctx    context.Context // cancelled by Stop; ends the goroutines and dials
	cancel context.CancelFunc
	work   chan []*target // scheduler → workers
	// freed wakes the scheduler when a worker ends a batch.
	freed chan struct{}
	spare chan []*target // batch slices workers are done with
	wg    sync.WaitGroup

	// mu guards the fields below and the schedule and raw connection of
	// every target. Report and Healthy run under it, so that no result of
	// a removed target is reported once SetTargets returns.
	mu      sync.Mutex
	targets map[string]*target
	queue   queue
	timer   Timer
	armed   time.Time // due time the timer is set for; zero when not set
	// slots is how many more probes may start: spec.Concurrency less
	// those in flight.
	slots   int
	stopped bool
}

// NewChecker starts a checker for spec, whose defaults config has applied,
// with no targets.
func NewChecker(spec config.ActiveCheck, o CheckerOptions) *Checker {
	c := &Checker{
		spec:    newProbeSpec(spec),
		clock:   o.Clock,
		report:  o.Report,
		healthy: o.Healthy,
		log:     o.Logger,
		work:    make(chan []*target),
		freed:   make(chan struct{}, 1),
		slots:   max(spec.Concurrency, 1),
		spare:   make(chan []*target, max(spec.Concurrency, 1)),
		targets: make(map[string]*target),
	}
	if c.clock == nil {
		c.clock = RealClock{}
	}
	if c.report == nil {
		c.report = func(string, Result) {}
	}
	if c.healthy == nil {
		c.healthy = func(string) bool { return true }
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.spec.https {
		c.tlsConf = &tls.Config{
			ServerName: c.spec.serverName,
			RootCAs:    o.RootCAs,
			// https_verify_certificate: false asks for exactly this.
			InsecureSkipVerify: !c.spec.verify,
			MinVersion:         tls.VersionTLS12,
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.timer = c.clock.NewTimer(time.Hour)
	c.timer.Stop()

	workers := max(spec.Concurrency, 1)
	c.wg.Add(1 + workers)
	go c.schedule()
	for range workers {
		go c.probeLoop()
	}
	return c
}

// SetTargets makes addrs, node "host:port" addresses, the checker's
// targets. A new target's first probe is due at a random point within one
// interval from now; kept targets keep their schedule and connection. Once
// it returns, no probe of a removed target starts, none is reported, and
// its connection is closed.
func (c *Checker) SetTargets(addrs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	keep := make(map[string]bool, len(addrs))
	for _, addr := range addrs {
		keep[addr] = true
	}
	removed := 0
	for addr, t := range c.targets {
		if keep[addr] {
			continue
		}
		t.removed = true
		if t.index >= 0 {
			heap.Remove(&c.queue, t.index)
		}
		if t.raw != nil {
			t.raw.Close()
		}
		delete(c.targets, addr)
		removed++
	}
	now := c.clock.Now()
	added := 0
	for _, addr := range addrs {
		if c.targets[addr] != nil {
			continue
		}
		t := c.newTarget(addr)
		interval := c.interval(addr)
		t.due = roundUp(now.Add(rand.N(max(interval-tick, 1))))
		c.targets[addr] = t
		heap.Push(&c.queue, t)
		added++
	}
	c.armLocked(now)
	c.log.Debug("hc: targets set", "targets", len(c.targets), "added", added, "removed", removed)
}

// Targets returns the target addresses, sorted.
func (c *Checker) Targets() []string {
	c.mu.Lock()
	addrs := make([]string, 0, len(c.targets))
	for addr := range c.targets {
		addrs = append(addrs, addr)
	}
	c.mu.Unlock()
	slices.Sort(addrs)
	return addrs
}

// Stop stops probing, closes every probe connection, and returns once every
// goroutine the checker started has ended. No result is reported after it
// returns.
func (c *Checker) Stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		c.timer.Stop()
		for _, t := range c.targets {
			if t.raw != nil {
				t.raw.Close()
			}
		}
	}
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}

// schedule hands the due targets to workers, a batch at a time, as long
// as fewer than spec.Concurrency probes are in flight. A worker frees the
// slots of its whole batch at once, so the next batch can be as large.
func (c *Checker) schedule() {
	defer c.wg.Done()
	fired := false
	for {
		batch, wait, full := c.next(fired)
		fired = false
		switch {
		case len(batch) > 0:
			select {
			case c.work <- batch:
			case <-c.ctx.Done():
				return
			}
		case full:
			select {
			case <-c.freed:
			case <-c.ctx.Done():
				return
			}
		case wait:
			select {
			case <-c.timer.C():
				fired = true
			case <-c.ctx.Done():
				return
			}
		}
	}
}

// next takes due targets off the queue, as many as there are free slots
// (at most maxBatch). When none is due it sets the timer for the earliest
// and reports wait; when no slot is free it reports full; when the clock
// moved while it set the timer it reports nothing, to look again. fired
// says the timer went off, so it is no longer set.
func (c *Checker) next(fired bool) (batch []*target, wait, full bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fired {
		c.armed = time.Time{}
	}
	if len(c.queue) == 0 {
		return nil, true, false
	}
	now := c.clock.Now()
	if !c.queue[0].due.After(now) {
		if c.slots == 0 {
			return nil, false, true
		}
		select {
		case batch = <-c.spare:
		default:
			batch = make([]*target, 0, maxBatch)
		}
		for len(batch) < min(c.slots, maxBatch) && len(c.queue) > 0 && !c.queue[0].due.After(now) {
			batch = append(batch, heap.Pop(&c.queue).(*target))
		}
		c.slots -= len(batch)
		return batch, false, false
	}
	if !c.armLocked(now) {
		return nil, true, false
	}
	// A Timer measures from the clock's reading when it is set: if the
	// clock moved since now, the timer may be late, so set it again.
	if c.clock.Now().Sub(now) > armSlack {
		c.armed = time.Time{}
		return nil, false, false
	}
	return nil, true, false
}

// armLocked sets the timer for the earliest due target unless it is set
// for that time or earlier, and reports whether it set it.
func (c *Checker) armLocked(now time.Time) bool {
	if len(c.queue) == 0 {
		return false
	}
	due := c.queue[0].due
	if !c.armed.IsZero() && !c.armed.After(due) {
		return false
	}
	c.timer.Reset(max(due.Sub(now), 0))
	c.armed = due
	return true
}

// probeLoop is a probe worker.
func (c *Checker) probeLoop() {
	defer c.wg.Done()
	p := newProber()
	for {
		select {
		case batch := <-c.work:
			c.run(p, batch)
			select {
			case c.spare <- batch[:0]:
			default:
			}
		case <-c.ctx.Done():
			return
		}
	}
}

// run probes the targets of batch: it starts every probe (for http, the
// request is written), then finishes them in order, then reports them
// and puts them back in the queue.
func (c *Checker) run(p *prober, batch []*target) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	live := p.live[:0]
	for _, t := range batch {
		if !t.removed {
			live = append(live, t)
		}
	}
	c.mu.Unlock()
	results := p.results[:0]
	for _, t := range live {
		r, done := c.start(t)
		t.started = !done
		results = append(results, r)
	}
	for i, t := range live {
		if t.started {
			results[i] = c.finish(p, t)
		}
	}
	p.live, p.results = live, results

	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots += len(batch)
	select {
	case c.freed <- struct{}{}:
	default:
	}
	if c.stopped {
		return
	}
	now := c.clock.Now()
	for i, t := range live {
		if t.removed {
			continue
		}
		r := results[i]
		c.report(t.addr, r)
		if r.Err != "" && c.log.Enabled(c.ctx, slog.LevelDebug) {
			c.log.Debug("hc: probe failed", "addr", t.addr, "counter", r.Counter.String(), "counts", r.Counts, "err", r.Err)
		}
		interval := c.interval(t.addr)
		t.due = roundUp(nextDue(t.due, now, interval, rand.N(interval/jitterDiv+1)))
		heap.Push(&c.queue, t)
	}
	c.armLocked(now)
}

// roundUp rounds a due time up to a whole tick.
func roundUp(t time.Time) time.Time {
	if r := t.Truncate(tick); !r.Equal(t) {
		return r.Add(tick)
	}
	return t
}

// interval is the probe interval of the node at addr, by its health.
func (c *Checker) interval(addr string) time.Duration {
	if c.healthy(addr) {
		return c.spec.healthy
	}
	return c.spec.unhealthy
}

// nextDue is when a target next falls due: interval plus jitter after the
// probe that was due at due, so a slow probe does not drift the schedule.
// If that has passed by now (a probe slower than the interval, or a
// backlog), the slots that passed are skipped, keeping the phase.
func nextDue(due, now time.Time, interval, jitter time.Duration) time.Time {
	next := due.Add(interval + jitter)
	if next.After(now) {
		return next
	}
	missed := now.Sub(next)/interval + 1
	return next.Add(missed * interval)
}

// queue is a min-heap of targets by due time (container/heap). Push takes
// and Pop returns a *target.
type queue []slot

// slot holds a copy of its target's due time, so that the heap compares
// without loading 10,000 scattered targets.
type slot struct {
	due time.Time
	t   *target
}

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }

func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].t.index = i
	q[j].t.index = j
}

func (q *queue) Push(x any) {
	t := x.(*target)
	t.index = len(*q)
	*q = append(*q, slot{t.due, t})
}

func (q *queue) Pop() any {
	old := *q
	t := old[len(old)-1].t
	old[len(old)-1] = slot{}
	t.index = -1
	*q = old[:len(old)-1]
	return t
}
