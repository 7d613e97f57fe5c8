package hc

import (
	"container/heap"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Worker pool constants.
const (
	// maxBatch bounds the probes one worker starts together.
	maxBatch = 32
	// lateGrace is how long a read waits when an earlier probe of its
	// batch held the worker past the probe's deadline: an answer that
	// already arrived counts.
	lateGrace = time.Millisecond
)

// The worker pool runs the probes that block: https probes, any probe off
// Linux, and http and tcp probes of nodes whose host needs a DNS lookup.
// Its workers, spec.Concurrency of them, take batches of due targets from
// Checker.work. The pool's scheduler goroutine fills it; on a checker that
// runs an event loop, the loop does, and the workers start with the first
// target that needs them.

// startWorkers starts the pool's workers. c.mu is held.
func (c *Checker) startWorkers() {
	if c.workers {
		return
	}
	c.workers = true
	n := cap(c.work)
	c.wg.Add(n)
	for range n {
		go c.probeLoop()
	}
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
		batch = c.spareBatch()
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

// spareBatch returns an empty batch slice, reused when one is spare.
func (c *Checker) spareBatch() []*target {
	select {
	case batch := <-c.spare:
		return batch
	default:
		return make([]*target, 0, maxBatch)
	}
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
		c.doneLocked(t, results[i], now)
	}
	c.kickLocked(now)
}

// doneLocked reports t's result r and puts t back in the queue, unless t
// was removed meanwhile. c.mu is held.
func (c *Checker) doneLocked(t *target, r Result, now time.Time) {
	if t.removed {
		return
	}
	c.report(t.addr, r)
	if r.Err != "" && c.log.Enabled(c.ctx, slog.LevelDebug) {
		c.log.Debug("hc: probe failed", "addr", t.addr, "counter", r.Counter.String(), "counts", r.Counts, "err", r.Err)
	}
	interval := c.interval(t.addr)
	t.due = roundUp(nextDue(t.due, now, interval, rand.N(interval/jitterDiv+1)))
	heap.Push(&c.queue, t)
}

// prober is one worker's reusable state. A probe on a kept connection reads
// through it and allocates nothing. It is a worker's, not a target's:
// 10,000 idle targets would otherwise hold 10,000 read buffers.
type prober struct {
	buf  []byte // read buffer, probeReadBuffer long
	resp response

	// A batch's targets and results, reused.
	live    []*target
	results []Result
}

func newProber() *prober { return &prober{buf: make([]byte, probeReadBuffer)} }
