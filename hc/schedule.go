package hc

import "time"

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
	// tick start together, and paces the event loop while answers come
	// in: it runs once a tick rather than once per probe (about 200
	// rounds a second at 10,000 nodes), and a pool worker writes every
	// request of its batch before it reads the answers. A probe starts at
	// most one tick late and its answer is read at most one tick late, a
	// tenth of the jitter at a 1 s interval. A 20 ms tick measured no
	// cheaper at 10,000 nodes (BENCHMARKS.md), so the tick stays short.
	tick = 5 * time.Millisecond
)

// roundUp rounds a due time up to a whole tick.
func roundUp(t time.Time) time.Time {
	if r := t.Truncate(tick); !r.Equal(t) {
		return r.Add(tick)
	}
	return t
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
