package upstream

import (
	"math"
	"time"
)

// LatencyDecay is the time constant τ of the latency estimate: an old
// sample's weight falls by a factor e every τ. 10 s, as the decay time of
// APISIX's ewma balancer (balancer/ewma.lua).
const LatencyDecay = 10 * time.Second

// The estimate and the time of its last sample share one atomic word so
// that a compare-and-swap updates both together:
//
//   - bits 63..40: the estimate in nanoseconds, as the float32 bit pattern
//     shifted right by 7 (the sign bit is always 0, 8 exponent bits, 16
//     mantissa bits: a relative error below 2^-16);
//   - bits 39..0: the sample time in ticks of 2^16 ns (65.536 µs).
//
// Tick differences are taken modulo 2^40 and read as signed, so they are
// right for gaps up to 2^39 ticks (about 417 days); a later time that reads
// as earlier counts as no time at all.
const (
	latencyTickShift = 16
	latencyTimeBits  = 40
	latencyTimeMask  = 1<<latencyTimeBits - 1
	latencyValueDrop = 7
)

// epoch is the origin of Nanotime.
var epoch = time.Now()

// Nanotime is the clock ObserveLatency reads and balancers pass to
// LatencyEWMA: monotonic nanoseconds since the process started.
func Nanotime() int64 { return int64(time.Since(epoch)) }

// ObserveLatency records the round-trip time of one answer from the node.
// The proxy calls it after each answer; it takes no lock and does not
// allocate.
func (n *Node) ObserveLatency(rtt time.Duration) { n.ObserveLatencyAt(rtt, Nanotime()) }

// ObserveLatencyAt is ObserveLatency at time now, in Nanotime nanoseconds.
// A sample above the stored estimate replaces it; a lower one is blended
// in with peakEWMA. Samples below 1 ns count as 1 ns.
func (n *Node) ObserveLatencyAt(rtt time.Duration, now int64) {
	sample := max(float64(rtt), 1)
	tick := uint64(now>>latencyTickShift) & latencyTimeMask
	for {
		old := n.latency.Load()
		est, at := sample, tick
		if old != 0 {
			prev, prevAt := unpackLatency(old)
			d := tickDelta(prevAt, tick)
			if d == 0 {
				at = prevAt // never move the stamp back
			}
			est = peakEWMA(prev, d<<latencyTickShift, sample)
		}
		w := packLatency(est, at)
		if w == old || n.latency.CompareAndSwap(old, w) {
			return
		}
	}
}

// LatencyEWMA returns the node's latency estimate in nanoseconds, decayed
// toward 0 from its last sample to now (Nanotime nanoseconds), as Finagle's
// PeakEwma reads its cost. It returns 0 for a node that never answered:
// the caller chooses the neutral value for it.
func (n *Node) LatencyEWMA(now int64) float64 {
	w := n.latency.Load()
	if w == 0 {
		return 0
	}
	est, at := unpackLatency(w)
	d := tickDelta(at, uint64(now>>latencyTickShift)&latencyTimeMask)
	return peakEWMA(est, d<<latencyTickShift, 0)
}

// LatencyPair returns the latency estimates (ns) of a and b decayed to the
// later of their last sample times, 0 for a node that never answered. The
// decay is exponential, so the two keep the ratio LatencyEWMA gives them
// at any time after both samples: a balancer comparing two nodes needs no
// clock reading, and decays only the older estimate.
func LatencyPair(a, b *Node) (la, lb float64) {
	wa, wb := a.latency.Load(), b.latency.Load()
	if wa == 0 || wb == 0 {
		// A missing estimate makes the other's irrelevant to a
		// comparison; return the stored ones.
		if wa != 0 {
			la, _ = unpackLatency(wa)
		}
		if wb != 0 {
			lb, _ = unpackLatency(wb)
		}
		return la, lb
	}
	la, ta := unpackLatency(wa)
	lb, tb := unpackLatency(wb)
	if d := tickDelta(ta, tb); d > 0 {
		la = peakEWMA(la, d<<latencyTickShift, 0)
	} else if d := tickDelta(tb, ta); d > 0 {
		lb = peakEWMA(lb, d<<latencyTickShift, 0)
	}
	return la, lb
}

// peakEWMA returns the estimate est (ns) after a sample (ns) taken dt ns
// after the last one: peak-sensitive EWMA as in Finagle's PeakEwma and
// linkerd's tower peak_ewma. A sample above est replaces it at once, so a
// slowdown shows on the next answer; otherwise est*w + sample*(1-w) with
// w = exp(-dt/τ), so old samples fade with time, not with sample count.
// A sample of 0 gives est decayed over dt. dt below 0 counts as 0.
func peakEWMA(est float64, dt int64, sample float64) float64 {
	if sample > est {
		return sample
	}
	w := math.Exp(-float64(max(dt, 0)) / float64(LatencyDecay))
	return est*w + sample*(1-w)
}

// packLatency packs an estimate (ns, at least 1) and a tick into one word.
func packLatency(est float64, tick uint64) uint64 {
	v := uint64(math.Float32bits(float32(max(est, 1)))) >> latencyValueDrop
	return v<<latencyTimeBits | tick&latencyTimeMask
}

// unpackLatency is the inverse of packLatency, up to the dropped bits.
func unpackLatency(w uint64) (est float64, tick uint64) {
	v := uint32(w>>latencyTimeBits) << latencyValueDrop
	return float64(math.Float32frombits(v)), w & latencyTimeMask
}

// tickDelta is now-at in ticks modulo 2^40, or 0 when that difference reads
// as negative.
func tickDelta(at, now uint64) int64 {
	d := (now - at) & latencyTimeMask
	if d >= 1<<(latencyTimeBits-1) {
		return 0
	}
	return int64(d)
}
