package lb

import (
	"math/bits"
	"math/rand/v2"
	"time"

	"github.com/jetwayhq/jetway/upstream"
)

// SlowStart ramps a node that just became available from MinPercent of its
// weight to all of it, linearly over Window (Envoy slow_start_config,
// nginx slow_start). A zero Window turns it off.
type SlowStart struct {
	Window     time.Duration
	MinPercent int
}

// fullRamp is the ramp factor, in permille, of a target that is not
// ramping.
const fullRamp = 1000

// rampTries bounds how many ramping targets RoundRobin and Random turn down
// in one Pick before they take the first usable target they found.
const rampTries = 8

// ramp is a SlowStart as Pick reads it. It is read-only.
type ramp struct {
	window int64 // nanoseconds; 0: off
	min    int64 // factor at the start of the window, permille
}

// newRamp normalizes s: a negative Window is off, MinPercent is clamped to
// 0..100.
func newRamp(s SlowStart) ramp {
	if s.Window <= 0 {
		return ramp{}
	}
	return ramp{window: int64(s.Window), min: int64(min(max(s.MinPercent, 0), 100)) * 10}
}

// clock is the time this pick ramps by: info.Now, or 0 when slow start is
// off, so that factor then costs one comparison per candidate.
func (r ramp) clock(info PickInfo) int64 {
	if r.window == 0 {
		return 0
	}
	return info.Now
}

// factor is the ramp factor, in permille, of a target with health h at now
// (from clock): fullRamp unless h is ramping. It is the one slow-start
// function every balancer calls; it does not allocate.
func (r ramp) factor(h *upstream.Health, now int64) int64 {
	if now == 0 {
		return fullRamp
	}
	return r.of(h, now)
}

// of is factor past its fast path, kept apart so that factor inlines.
func (r ramp) of(h *upstream.Health, now int64) int64 { return r.at(h.UpSince(), now) }

// at is the ramp factor of a node available since up (UnixNano; 0: not
// ramping) at now: min + (1000-min)*elapsed/window while 0 <= elapsed <
// window, else fullRamp. The product is taken in 128 bits, so any window
// is exact.
func (r ramp) at(up, now int64) int64 {
	if up == 0 || r.window == 0 {
		return fullRamp
	}
	elapsed := now - up
	if elapsed < 0 || elapsed >= r.window {
		return fullRamp
	}
	hi, lo := bits.Mul64(uint64(fullRamp-r.min), uint64(elapsed))
	q, _ := bits.Div64(hi, lo, uint64(r.window)) // hi < window: elapsed < window
	return r.min + int64(q)
}

// rampAccept reports true with probability f/1000, from math/rand/v2's
// per-thread generator: no lock, no allocation. A full factor costs no
// draw.
func rampAccept(f int64) bool {
	return f >= fullRamp || rand.Int64N(fullRamp) < f
}

// Factor is the ramp factor, in permille, of a node with health h at now
// (UnixNano): what its weight is multiplied by, over 1000. Views use it;
// balancers use the same arithmetic.
func (s SlowStart) Factor(h *upstream.Health, now int64) int64 {
	return newRamp(s).at(h.UpSince(), now)
}
