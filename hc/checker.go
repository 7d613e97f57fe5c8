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
// It keeps the targets in a min-heap by due time, and probes each when it
// falls due (rounded up to a tick, so that probes go out in batches).
//
// On Linux, http and tcp checkers run one goroutine, an event loop
// (loop_linux.go): it owns an epoll set with every kept connection, starts
// the due probes with nonblocking connects and writes, reads and parses
// the answers (response.go), and sleeps until the next tick, answer,
// deadline or due time; a tcp probe connects and resets. Targets whose
// host needs a DNS lookup are handed to a worker pool (pool.go), started
// with the first such target. https checkers, and every checker off
// Linux, run a scheduler goroutine that feeds the pool. Either way the number of goroutines does not depend on the number
// of targets.
//
// spec.Concurrency bounds the probes in flight that open a connection, as
// in APISIX, where it is how many targets are checked at the same time: on
// the pool, every probe (a worker may dial); on the event loop, a probe
// that connects (a target's first, or after its connection closed) or goes
// to the pool. A probe on a kept connection is a write and a read on an
// open socket, and the loop does not bound those: bounding them too
// measured 24-28% of a core at 10,000 nodes and the default of 10, against
// 19-24% (BENCHMARKS.md), and a target has at most one probe in flight
// anyway. Due probes that find no free slot wait in line, in due order; a
// probe whose kept connection turns out closed reconnects at once.
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
	loop   *loop          // the event loop; nil when the pool's scheduler runs
	work   chan []*target // scheduler or loop → workers; spec.Concurrency long
	// freed wakes the pool's scheduler when a worker ends a batch.
	freed chan struct{}
	spare chan []*target // batch slices workers are done with
	wg    sync.WaitGroup

	// mu guards the fields below, the schedule of every target and its
	// connection. Report and Healthy run under it, so that no result of a
	// removed target is reported once SetTargets returns. The event loop
	// holds it whenever it is not waiting in epoll_wait.
	mu      sync.Mutex
	targets map[string]*target
	queue   queue
	timer   Timer     // the pool's scheduler's
	armed   time.Time // due time the timer is set for; zero when not set
	// slots is how many more probes may start: spec.Concurrency less
	// those in flight.
	slots   int
	workers bool // the pool's workers run
	stopped bool
}

// NewChecker starts a checker for spec, whose defaults config has applied,
// with no targets.
func NewChecker(spec config.ActiveCheck, o CheckerOptions) *Checker {
	workers := max(spec.Concurrency, 1)
	c := &Checker{
		spec:    newProbeSpec(spec),
		clock:   o.Clock,
		report:  o.Report,
		healthy: o.Healthy,
		log:     o.Logger,
		work:    make(chan []*target, workers),
		freed:   make(chan struct{}, 1),
		slots:   workers,
		spare:   make(chan []*target, workers),
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

	if !c.spec.https {
		var err error
		if c.loop, err = newLoop(c); err != nil {
			c.log.Warn("hc: no event loop; probing with a worker pool", "err", err)
		}
	}
	c.wg.Add(1)
	if c.loop != nil {
		go c.loop.run()
		return c
	}
	c.timer = c.clock.NewTimer(time.Hour)
	c.timer.Stop()
	go c.schedule()
	c.mu.Lock()
	c.startWorkers()
	c.mu.Unlock()
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
		c.closeLocked(t)
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
		if t.pooled {
			c.startWorkers()
		}
		interval := c.interval(addr)
		t.due = roundUp(now.Add(rand.N(max(interval-tick, 1))))
		c.targets[addr] = t
		heap.Push(&c.queue, t)
		added++
	}
	c.kickLocked(now)
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
		if c.timer != nil {
			c.timer.Stop()
		}
		for _, t := range c.targets {
			c.closeLocked(t)
		}
	}
	c.mu.Unlock()
	c.cancel()
	c.loop.wake()
	c.wg.Wait()
	c.loop.close()
}

// kickLocked tells the scheduler, the pool's or the event loop, that the
// queue changed. c.mu is held.
func (c *Checker) kickLocked(now time.Time) {
	if c.loop != nil {
		c.loop.wake()
		return
	}
	c.armLocked(now)
}

// closeLocked closes t's connection, whichever runs it. c.mu is held.
func (c *Checker) closeLocked(t *target) {
	if t.raw != nil {
		t.raw.Close()
	}
	c.loop.drop(t)
}

// interval is the probe interval of the node at addr, by its health.
func (c *Checker) interval(addr string) time.Duration {
	if c.healthy(addr) {
		return c.spec.healthy
	}
	return c.spec.unhealthy
}
