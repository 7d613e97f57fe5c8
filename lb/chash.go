package lb

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/jetwayhq/jetway/upstream"
)

// CHash is consistent hashing on a ketama ring (Karger et al., "Consistent
// Hashing and Random Trees", STOC 1997; the point layout of libketama).
// Each target owns points on a 64-bit ring; a key goes to the owner of the
// first point at or after HashKey(key), wrapping at the end.
//
// Ketama rather than Maglev (Eisenbud et al., NSDI 2016): on a ring a key
// moves only when the points around it change, so adding a node moves only
// the keys it takes and removing one moves only its own keys, while a
// Maglev table also reshuffles some keys between surviving nodes. The ring
// also gives every key one natural fallback order, the walk along the
// points, which retries, health and bounded load all share.
//
// Points: target weights are reduced by cycleWeights(w, chashRingLimit) to
// units u, and each unit gets per = min(chashPointsPerUnit,
// chashRingLimit/sum(u)) points, at least 1. Point p of the node with
// address a sits at XXH64(a, 0x00, p as 4 bytes little-endian), so the
// ring depends on node addresses and weights only, never on target order,
// and is the same in every process. A node's points are a prefix of one
// sequence, so a change of its count moves keys only to or from it.
//
// Pick starts at the key's point and walks forward to the first point
// whose target is usable (up or Panic, weight > 0, not tried by this
// request). The ring never changes with health: the keys of a down node go
// to the nodes after its points and come back when it recovers, and the
// keys of healthy nodes never move. A retry walks on in the same order.
//
// A request without a key takes the next ring position from an atomic
// counter instead, so a full turn of the ring gives each target exactly
// as many picks as it has points, without a lock.
//
// Bounded load (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with
// Bounded Loads", SODA 2018; Envoy hash_balance_factor, HAProxy
// hash-balance-factor): with a balance factor f >= 100, the walk also
// skips a target i of the group while
//
//	InFlight(i) + 1 > ceil(f * (T + 1) / (100 * N))
//
// where N is the number of available targets of the group (weight > 0, up
// or PickInfo.Panic set) and T the sum of their in-flight requests. Its
// keys spill to the next points and return when it drains. Some available
// target is always under this cap; when all those are tried, Pick ignores
// the cap rather than return none. Reading T costs O(group size), paid
// only when the first candidate has requests in flight.
//
// Slow start: a target ramping with factor r (permille) takes a key only
// when rampMix(key, XXH64 of its address) % 1000 < r; otherwise the walk
// goes on as past a down target. The choice depends on the key, the
// address and r alone, so as r grows keys only move onto the ramping
// target, never off it, and a key it refuses goes where it went while the
// target was down. Its share of keys is r/1000 of its share of the ring.
// A request without a key uses its counter position as the key. When
// every usable target refuses, Pick takes the plain walk.
//
// Targets are grouped by Priority, highest first, each group with its own
// ring; Pick serves the highest group that has a usable target.
type CHash struct {
	targets []Target
	salts   []uint64  // XXH64 of each target's address, for the ramp
	groups  []chGroup // highest priority first
	factor  int64     // bounded-load factor in percent; 0 disables it
	slow    ramp
}

var _ Balancer = (*CHash)(nil)

// chGroup is the ring of one priority group. Everything but the counter is
// read-only after construction.
type chGroup struct {
	hashes []uint64 // ring points, ascending
	owners []int32  // target index owning each point
	// lookup[j] is the first point whose top bits (hash >> shift) are >=
	// j, so a search only looks between lookup[j] and lookup[j+1].
	lookup  []int32
	shift   uint
	members []int32 // target indexes in the group, in config order
	starts  []int32 // member k's points are at[starts[k]:starts[k+1]]
	at      []int32 // ring positions of each member, ascending
	next    *rrCounter
	cap     *chCap
}

// chCap caches a large group's load cap; see CHash.groupCap.
type chCap struct {
	limit atomic.Int64
	at    atomic.Int64 // upstream.Nanotime of the computation
}

const (
	// chCapScanLimit is the largest group whose load cap is summed on every
	// pick that needs it. A larger group reuses a cap computed within
	// chCapRefresh, so Pick stays O(log n) there: the cap may lag the
	// group's load by that long.
	chCapScanLimit = 64
	chCapRefresh   = int64(time.Millisecond)
)

const (
	// chashPointsPerUnit is the number of points per weight unit, the 160
	// points per server of libketama.
	chashPointsPerUnit = 160
	// chashRingLimit caps the points of one ring, scaling points per unit
	// down for huge sets. A point takes 16 bytes with its indexes.
	chashRingLimit = 1 << 20
	// chashProbe is how many points Pick checks one by one before it
	// looks up the next point of every member instead, which costs
	// O(members). Points are spread evenly, so with a share q of the
	// points eligible the lookup is needed with probability (1-q)^64:
	// under bounded load at factor 125 at least a fifth of the nodes are
	// under the cap, making it at most 6e-7. Only a group that is mostly
	// down or tried pays O(members).
	chashProbe = 64
)

// NewCHash builds a consistent-hash balancer over targets with
// opts.HashBalanceFactor and opts.SlowStart. Every target with a positive
// weight must have a non-nil Node. The balancer keeps its own copy of the
// slice; Pick returns indexes into it.
func NewCHash(targets []Target, opts Options) *CHash {
	c := &CHash{
		targets: slices.Clone(targets),
		salts:   make([]uint64, len(targets)),
		slow:    newRamp(opts.SlowStart),
	}
	if opts.HashBalanceFactor >= 100 {
		c.factor = int64(opts.HashBalanceFactor)
	}
	for i, t := range targets {
		if t.Weight > 0 {
			c.salts[i] = xxhash.Sum64String(t.Node.Addr())
		}
	}
	for _, members := range priorityGroups(targets) {
		c.groups = append(c.groups, newCHGroup(targets, members))
	}
	return c
}

// ringPoints returns how many ring points each weight gets; w must hold
// positive weights.
func ringPoints(w []int) []int {
	u := cycleWeights(w, chashRingLimit)
	sum := 0
	for _, x := range u {
		sum += x
	}
	per := min(chashPointsPerUnit, max(1, chashRingLimit/max(sum, 1)))
	for k := range u {
		u[k] *= per
	}
	return u
}

// newCHGroup builds the ring of one priority group; members are target
// indexes in config order, all with positive weights.
func newCHGroup(targets []Target, members []int32) chGroup {
	w := make([]int, len(members))
	for k, i := range members {
		w[k] = targets[i].Weight
	}
	counts := ringPoints(w)
	total := 0
	for _, x := range counts {
		total += x
	}

	type point struct {
		hash  uint64
		owner int32
	}
	pts := make([]point, 0, total)
	var buf []byte
	for k, i := range members {
		buf = append(append(buf[:0], targets[i].Node.Addr()...), 0)
		n := len(buf)
		for p := range counts[k] {
			buf = binary.LittleEndian.AppendUint32(buf[:n], uint32(p))
			pts = append(pts, point{xxhash.Sum64(buf), i})
		}
	}
	// Ties, if any, go to the lower address, then the lower index.
	slices.SortFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		if c := cmp.Compare(targets[a.owner].Node.Addr(), targets[b.owner].Node.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.owner, b.owner)
	})

	g := chGroup{
		hashes:  make([]uint64, total),
		owners:  make([]int32, total),
		members: slices.Clone(members),
		starts:  make([]int32, len(members)+1),
		at:      make([]int32, total),
		next:    new(rrCounter),
		cap:     new(chCap),
	}
	member := make(map[int32]int, len(members))
	for k, i := range members {
		member[i] = k
		g.starts[k+1] = g.starts[k] + int32(counts[k])
	}
	fill := slices.Clone(g.starts[:len(members)])
	for pos, p := range pts {
		g.hashes[pos], g.owners[pos] = p.hash, p.owner
		k := member[p.owner]
		g.at[fill[k]] = int32(pos)
		fill[k]++
	}

	b := bits.Len(uint(total)) - 1 // 2^b <= total
	g.shift = uint(64 - b)
	g.lookup = make([]int32, 1<<b+1)
	pos := 0
	for j := range g.lookup {
		for pos < total && g.hashes[pos]>>g.shift < uint64(j) {
			pos++
		}
		g.lookup[j] = int32(pos)
	}
	return g
}

// Pick returns the target for info.Hash, or for the next counter position
// when info.HasHash is false: the first usable target at or after that
// point of the highest priority group that has one.
//
// Within Pick, info.Now is the ramp clock (0: no slow start) and info.Hash
// the key the ramp mixes.
func (c *CHash) Pick(info PickInfo) (int, bool) {
	info.Now = c.slow.clock(info)
	for k := range c.groups {
		g := &c.groups[k]
		var pos int
		if info.HasHash {
			pos = g.search(info.Hash)
		} else {
			n := g.next.n.Add(1) - 1
			pos = int(n % uint64(len(g.hashes)))
			info.Hash = n
		}
		if c.factor != 0 {
			lc := loadCap{}
			if i, ok := c.walk(g, pos, info, &lc); ok {
				return i, true
			}
		}
		if i, ok := c.walk(g, pos, info, nil); ok {
			return i, true
		}
		if info.Now != 0 {
			plain := info
			plain.Now = 0
			if i, ok := c.walk(g, pos, plain, nil); ok {
				return i, true
			}
		}
	}
	return 0, false
}

// search returns the position of the first point at or after h, wrapping
// to 0 past the last point.
func (g *chGroup) search(h uint64) int {
	j := h >> g.shift
	lo, hi := int(g.lookup[j]), int(g.lookup[j+1])
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if g.hashes[mid] < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(g.hashes) {
		return 0
	}
	return lo
}

// walk returns the owner of the first point at or after pos whose target
// is usable and, when lc is not nil, under the load cap.
func (c *CHash) walk(g *chGroup, pos int, info PickInfo, lc *loadCap) (int, bool) {
	n := len(g.owners)
	probe := min(n, chashProbe)
	for step := range probe {
		p := pos + step
		if p >= n {
			p -= n
		}
		if i := int(g.owners[p]); c.eligible(g, i, info, lc) {
			return i, true
		}
	}
	if probe == n {
		return 0, false
	}
	start := pos + probe
	if start >= n {
		start -= n
	}
	return c.nearest(g, int32(start), info, lc)
}

// nearest finishes a walk without visiting every point: the first eligible
// point at or after start belongs to the eligible member whose next point
// is closest. It costs O(members * log(points per member)).
func (c *CHash) nearest(g *chGroup, start int32, info PickInfo, lc *loadCap) (int, bool) {
	n := int32(len(g.owners))
	best, bestDist := 0, n
	for k, i := range g.members {
		if !c.eligible(g, int(i), info, lc) {
			continue
		}
		if d := forwardDistance(g.at[g.starts[k]:g.starts[k+1]], start, n); d < bestDist {
			best, bestDist = int(i), d
		}
	}
	return best, bestDist < n
}

// loadCap is the bounded-load cap of one group for one Pick, computed on
// first need.
type loadCap struct {
	limit int64 // 0: not computed yet
}

// eligible reports whether target i is usable, takes key info.Hash under
// slow start and, when lc is not nil, has room under the group's load cap.
func (c *CHash) eligible(g *chGroup, i int, info PickInfo, lc *loadCap) bool {
	if !usable(c.targets, i, info) {
		return false
	}
	if info.Now != 0 && !c.admits(i, info) {
		return false
	}
	if lc == nil {
		return true
	}
	in := c.targets[i].Node.InFlight()
	if in <= 0 {
		return true // in+1 <= 1 <= the cap
	}
	if lc.limit == 0 {
		lc.limit = c.groupCap(g, info)
	}
	return in < lc.limit
}

// admits reports whether target i takes key info.Hash at ramp clock
// info.Now: always when it is not ramping, else when the key's mix falls
// below its ramp factor.
func (c *CHash) admits(i int, info PickInfo) bool {
	f := c.slow.factor(c.targets[i].Health, info.Now)
	return f >= fullRamp || int64(rampMix(info.Hash, c.salts[i])%fullRamp) < f
}

// rampMix mixes a key hash with a target's salt: the MurmurHash3 fmix64
// finalizer (Appleby) of their xor, so that nearby keys and salts give
// unrelated results.
func rampMix(key, salt uint64) uint64 {
	x := key ^ salt
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// groupCap is the load cap of g from the in-flight requests of its
// available targets (all of them under info.Panic): summed now for a group
// of up to chCapScanLimit members, else reused from a sum at most
// chCapRefresh old by info.Nanotime, whichever way that sum counted.
func (c *CHash) groupCap(g *chGroup, info PickInfo) int64 {
	all := info.Panic
	if len(g.members) <= chCapScanLimit {
		return c.sumCap(g, all)
	}
	now := info.Nanotime
	if now == 0 {
		now = upstream.Nanotime()
	}
	if now-g.cap.at.Load() < chCapRefresh {
		if v := g.cap.limit.Load(); v > 0 {
			return v
		}
	}
	v := c.sumCap(g, all)
	g.cap.limit.Store(v)
	g.cap.at.Store(now)
	return v
}

// sumCap computes g's load cap over its available targets, or over all of
// them when all is set.
func (c *CHash) sumCap(g *chGroup, all bool) int64 {
	var total, n int64
	for _, i := range g.members {
		if t := &c.targets[i]; all || t.Health.Available() {
			total += max(t.Node.InFlight(), 0)
			n++
		}
	}
	return boundedCap(c.factor, total, n)
}

// boundedCap is ceil(factor * (total + 1) / (100 * n)), the most requests a
// target may have in flight, the new one included, when total requests are
// in flight over n targets. factor >= 100 and total >= 0; the result is at
// least 1 and saturates at math.MaxInt64, which n == 0 also gives.
func boundedCap(factor, total, n int64) int64 {
	hi, lo := bits.Mul64(uint64(factor), uint64(total)+1)
	d := 100 * uint64(n)
	lo, carry := bits.Add64(lo, d-1, 0)
	hi += carry
	if hi >= d {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, d)
	return int64(min(q, math.MaxInt64))
}
