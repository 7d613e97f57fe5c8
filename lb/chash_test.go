package lb

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/jetwayhq/jetway/upstream"
)

func init() {
	balancers = append(balancers, balancerCase{"chash", func(ts []Target, o Options) Balancer { return NewCHash(ts, o) }})
}

// keyed is a Balancer that gives every Pick a new key hash, so the shared
// conformance table runs CHash on the hashed path.
type keyed struct {
	b *CHash
	n uint64
}

func (k *keyed) Pick(info PickInfo) (int, bool) {
	k.n++
	info.Hash, info.HasHash = HashKey(fmt.Appendf(nil, "key-%d", k.n)), true
	return k.b.Pick(info)
}

func TestCHashConformance(t *testing.T) {
	tests := []struct {
		name   string
		factor int
	}{
		{"hashed", 0},
		{"hashed bounded", 125},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testConformance(t, func(ts []Target, o Options) Balancer {
				o.HashBalanceFactor = tc.factor
				return &keyed{b: NewCHash(ts, o)}
			})
		})
	}
	t.Run("bounded without key", func(t *testing.T) {
		testConformance(t, func(ts []Target, o Options) Balancer {
			o.HashBalanceFactor = 125
			return NewCHash(ts, o)
		})
	})
}

// keyHashes returns the hashes of n distinct keys.
func keyHashes(n int) []uint64 {
	hs := make([]uint64, n)
	for k := range hs {
		hs[k] = HashKey(fmt.Appendf(nil, "user-%d", k))
	}
	return hs
}

// placeAddrs returns the address of the target each hash picks.
func placeAddrs(t *testing.T, c *CHash, hashes []uint64) []string {
	t.Helper()
	out := make([]string, len(hashes))
	for k, h := range hashes {
		i, ok := c.Pick(PickInfo{Hash: h, HasHash: true})
		if !ok {
			t.Fatalf("Pick(%#x) ok = false; want true", h)
		}
		out[k] = c.targets[i].Node.Addr()
	}
	return out
}

func TestHashKey(t *testing.T) {
	// Test vectors of XXH64 with seed 0.
	tests := []struct {
		key  string
		want uint64
	}{
		{"", 0xef46db3751d8e999},
		{"abc", 0x44bc2cf5ad770999},
	}
	for _, tc := range tests {
		if got := HashKey([]byte(tc.key)); got != tc.want {
			t.Errorf("HashKey(%q) = %#x; want %#x", tc.key, got, tc.want)
		}
	}
}

func TestBoundedCap(t *testing.T) {
	tests := []struct {
		factor, total, n, want int64
	}{
		{125, 0, 10, 1},            // ceil(1.25/10)
		{125, 50, 10, 7},           // ceil(1.25*51/10) = ceil(6.375)
		{100, 9, 10, 1},            // exactly the average
		{100, 10, 10, 2},           // ceil(11/10)
		{200, 3, 4, 2},             // ceil(2*4/4)
		{150, 99, 1, 150},          // one target takes everything
		{125, 7, 2, 5},             // ceil(1.25*8/2)
		{100, 0, 0, math.MaxInt64}, // no target to share with
		{math.MaxInt64, math.MaxInt64 - 1, 1, math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.factor, "/", tc.total, "/", tc.n), func(t *testing.T) {
			if got := boundedCap(tc.factor, tc.total, tc.n); got != tc.want {
				t.Errorf("boundedCap(%d, %d, %d) = %d; want %d", tc.factor, tc.total, tc.n, got, tc.want)
			}
		})
	}
}

func TestRingPoints(t *testing.T) {
	tests := []struct {
		name string
		w    []int
		want []int
	}{
		{"single", []int{1}, []int{160}},
		{"equal", []int{1, 1, 1}, []int{160, 160, 160}},
		{"2 to 1", []int{2, 1}, []int{320, 160}},
		{"common divisor", []int{100, 100}, []int{160, 160}},
		{"divided 2 to 1", []int{30, 60}, []int{160, 320}},
		{"scaled per unit", slices.Repeat([]int{1}, 10000), slices.Repeat([]int{104}, 10000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ringPoints(tc.w); !slices.Equal(got, tc.want) {
				t.Errorf("ringPoints(%v) = %v; want %v", tc.w, got, tc.want)
			}
		})
	}
}

// TestCHashGolden pins where keys land for fixed addresses: every Jetway
// process must agree, so a change here breaks mixed-version fleets.
func TestCHashGolden(t *testing.T) {
	c := NewCHash(weighted(1, 1, 1, 1, 1), Options{})
	tests := []struct {
		key  string
		want int
	}{
		{"alice", 2},
		{"bob", 4},
		{"carol", 4},
		{"/api/v1/users", 3},
		{"192.0.2.7", 0},
	}
	for _, tc := range tests {
		got, ok := c.Pick(PickInfo{Hash: HashKey([]byte(tc.key)), HasHash: true})
		if !ok || got != tc.want {
			t.Errorf("Pick(%q) = %d, %t; want %d, true", tc.key, got, ok, tc.want)
		}
	}
}

// TestCHashLayout checks the ring against its documented layout, rebuilt
// here point by point: point p of address a at XXH64(a, 0x00, p as 4 bytes
// little-endian), ringPoints(weights) points per target, and a key on the
// owner of the first point at or after its hash, wrapping to the lowest.
func TestCHashLayout(t *testing.T) {
	weights := []int{1, 3, 2, 1}
	ts := weighted(weights...)
	c := NewCHash(ts, Options{})
	counts := ringPoints(weights)
	type point struct {
		hash  uint64
		owner int
	}
	var pts []point
	for i, tg := range ts {
		for p := range counts[i] {
			key := binary.LittleEndian.AppendUint32(append([]byte(tg.Node.Addr()), 0), uint32(p))
			pts = append(pts, point{xxhash.Sum64(key), i})
		}
	}
	for _, h := range keyHashes(5000) {
		best, lowest := -1, 0
		for k, p := range pts {
			if p.hash >= h && (best < 0 || p.hash < pts[best].hash) {
				best = k
			}
			if p.hash < pts[lowest].hash {
				lowest = k
			}
		}
		if best < 0 {
			best = lowest
		}
		if got, _ := c.Pick(PickInfo{Hash: h, HasHash: true}); got != pts[best].owner {
			t.Fatalf("Pick(%#x) = %d; want %d", h, got, pts[best].owner)
		}
	}
}

// TestCHashOrderIndependent checks that the ring depends on addresses and
// weights only: the same nodes listed in another order place every key on
// the same address.
func TestCHashOrderIndependent(t *testing.T) {
	ts := weighted(3, 1, 2, 1, 1, 4, 1)
	hashes := keyHashes(20000)
	want := placeAddrs(t, NewCHash(ts, Options{}), hashes)
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 5 {
		shuffled := slices.Clone(ts)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := placeAddrs(t, NewCHash(shuffled, Options{}), hashes)
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("trial %d key %d: Pick() on %s; want %s", trial, k, got[k], want[k])
			}
		}
	}
}

const disruptionKeys = 100_000

// TestCHashAddNode checks minimal disruption: an 11th node added to 10
// equal ones takes at most 1/11 + 1 percentage point of the keys, and every
// key that moves, moves to it.
func TestCHashAddNode(t *testing.T) {
	hashes := keyHashes(disruptionKeys)
	before := placeAddrs(t, NewCHash(weighted(slices.Repeat([]int{1}, 10)...), Options{}), hashes)
	ts11 := weighted(slices.Repeat([]int{1}, 11)...)
	added := ts11[10].Node.Addr()
	after := placeAddrs(t, NewCHash(ts11, Options{}), hashes)
	moved := 0
	for k := range hashes {
		if after[k] == before[k] {
			continue
		}
		moved++
		if after[k] != added {
			t.Fatalf("key %d moved from %s to %s; want only moves to %s", k, before[k], after[k], added)
		}
	}
	if frac, limit := float64(moved)/disruptionKeys, 1.0/11+0.01; frac > limit {
		t.Errorf("moved %.4f of keys; want at most %.4f", frac, limit)
	}
	if moved == 0 {
		t.Error("moved no key to the new node; want its share")
	}
}

// TestCHashRemoveNode checks that removing a node moves only its keys.
func TestCHashRemoveNode(t *testing.T) {
	hashes := keyHashes(disruptionKeys)
	ts := weighted(slices.Repeat([]int{1}, 10)...)
	before := placeAddrs(t, NewCHash(ts, Options{}), hashes)
	removed := ts[4].Node.Addr()
	after := placeAddrs(t, NewCHash(slices.Delete(slices.Clone(ts), 4, 5), Options{}), hashes)
	for k := range hashes {
		if before[k] == removed {
			if after[k] == removed {
				t.Fatalf("key %d still on removed %s", k, removed)
			}
			continue
		}
		if after[k] != before[k] {
			t.Fatalf("key %d moved from %s to %s; want only keys of %s to move", k, before[k], after[k], removed)
		}
	}
}

// TestCHashHealthFlip checks that a node marked down hands only its own
// keys to others, and gets exactly those back when it recovers.
func TestCHashHealthFlip(t *testing.T) {
	hashes := keyHashes(disruptionKeys)
	ts := weighted(slices.Repeat([]int{1}, 10)...)
	c := NewCHash(ts, Options{})
	before := placeAddrs(t, c, hashes)
	down := ts[4].Node.Addr()
	markDown(ts[4], true)
	during := placeAddrs(t, c, hashes)
	markDown(ts[4], false)
	after := placeAddrs(t, c, hashes)
	for k := range hashes {
		switch {
		case before[k] != down && during[k] != before[k]:
			t.Fatalf("key %d moved from %s to %s while %s was down", k, before[k], during[k], down)
		case during[k] == down:
			t.Fatalf("key %d on %s while it was down", k, down)
		case after[k] != before[k]:
			t.Fatalf("key %d on %s after recovery; want %s", k, after[k], before[k])
		}
	}
}

// TestCHashWeights checks that keys follow weights. With 160 points per
// weight unit a node's share of the ring has a relative standard deviation
// of about 1/sqrt(points), 8% at weight 1; the bounds below are about 3
// of those.
func TestCHashWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		tol     float64 // allowed relative error of each node's share
	}{
		{"2 to 1", []int{2, 1}, 0.12},
		{"alternating 2 and 1", []int{2, 1, 2, 1, 2, 1, 2, 1, 2, 1}, 0.25},
		{"5 3 1", []int{5, 3, 1}, 0.25},
	}
	hashes := keyHashes(disruptionKeys)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCHash(weighted(tc.weights...), Options{})
			counts := make([]int, len(tc.weights))
			for _, h := range hashes {
				i, _ := c.Pick(PickInfo{Hash: h, HasHash: true})
				counts[i]++
			}
			sum := 0
			for _, w := range tc.weights {
				sum += w
			}
			for i, w := range tc.weights {
				want := float64(w) / float64(sum)
				got := float64(counts[i]) / disruptionKeys
				if math.Abs(got-want) > tc.tol*want {
					t.Errorf("target %d (weight %d) got %.4f of keys; want %.4f ± %.0f%%", i, w, got, want, 100*tc.tol)
				}
			}
		})
	}
}

// ringWalk is the definition Pick must follow, step by step: the owner of
// the first point at or after h whose target is usable and, at info.Now,
// admits h; failing that, the first usable one.
func ringWalk(c *CHash, g *chGroup, h uint64, info PickInfo) (int, bool) {
	start := sort.Search(len(g.hashes), func(p int) bool { return g.hashes[p] >= h })
	info.Hash = h
	for _, ramped := range []bool{info.Now != 0, false} {
		for step := range g.hashes {
			i := int(g.owners[(start+step)%len(g.hashes)])
			if usable(c.targets, i, info) && (!ramped || c.admits(i, info)) {
				return i, true
			}
		}
	}
	return 0, false
}

// TestCHashWalk checks Pick against ringWalk with random targets down,
// tried and, in every other trial, ramping, including sets where nearly
// all are, so that both the short probe and the nearest-member lookup are
// used.
func TestCHashWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 60 {
		weights := make([]int, 1+rng.IntN(40))
		for i := range weights {
			weights[i] = 1 + rng.IntN(4)
		}
		ts := weighted(weights...)
		c := NewCHash(ts, rampOpts)
		var tried Tried
		unusable := rng.Float64()
		for i := range ts {
			if rng.Float64() < unusable {
				if rng.IntN(2) == 0 {
					markDown(ts[i], true)
				} else {
					tried.Add(i)
				}
			}
			if rng.IntN(2) == 0 {
				ts[i].Health.SetUpSince(rampUp - rng.Int64N(int64(rampWindow)))
			}
		}
		info := PickInfo{Tried: &tried, HasHash: true}
		if trial%2 == 1 {
			info.Now = rampUp
		}
		for range 300 {
			info.Hash = rng.Uint64()
			want, wantOK := ringWalk(c, &c.groups[0], info.Hash, info)
			got, ok := c.Pick(info)
			if ok != wantOK || ok && got != want {
				t.Fatalf("trial %d weights %v hash %#x: Pick() = %d, %t; want %d, %t",
					trial, weights, info.Hash, got, ok, want, wantOK)
			}
		}
	}
}

// TestCHashSearchEnds checks hashes at and around the ends of the ring.
func TestCHashSearchEnds(t *testing.T) {
	c := NewCHash(weighted(1, 2, 1), Options{})
	g := &c.groups[0]
	last := g.hashes[len(g.hashes)-1]
	tests := []struct {
		name string
		h    uint64
		want int
	}{
		{"zero", 0, 0},
		{"first point", g.hashes[0], 0},
		{"after first point", g.hashes[0] + 1, 1},
		{"last point", last, len(g.hashes) - 1},
		{"after last point", last + 1, 0},
		{"max", math.MaxUint64, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := g.search(tc.h); got != tc.want {
				t.Errorf("search(%#x) = %d; want %d", tc.h, got, tc.want)
			}
		})
	}
}

// TestCHashRetries checks that retries of one key walk the ring: each pick
// is the next distinct owner along the points, every usable target once.
func TestCHashRetries(t *testing.T) {
	ts := weighted(3, 1, 1, 0, 2, 1, 1, 5, 1, 1, 1, 1, 4, 1)
	markDown(ts[2], true)
	c := NewCHash(ts, Options{})
	for _, h := range keyHashes(50) {
		var tried Tried
		info := PickInfo{Tried: &tried, Hash: h, HasHash: true}
		var got []int
		for range len(ts) + 1 {
			i, ok := c.Pick(info)
			if !ok {
				break
			}
			want, _ := ringWalk(c, &c.groups[0], h, info)
			if i != want {
				t.Fatalf("hash %#x after %v: Pick() = %d; want %d", h, got, i, want)
			}
			tried.Add(i)
			got = append(got, i)
		}
		slices.Sort(got)
		if want := []int{0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}; !slices.Equal(got, want) {
			t.Fatalf("hash %#x: retries visited %v; want %v", h, got, want)
		}
	}
}

// TestCHashWithoutKey checks that picks without a key go round the ring:
// one full turn gives each target exactly its number of points.
func TestCHashWithoutKey(t *testing.T) {
	weights := []int{2, 1, 3, 1}
	c := NewCHash(weighted(weights...), Options{})
	points := ringPoints(weights)
	counts := make([]int, len(weights))
	total := 0
	for _, p := range points {
		total += p
	}
	for range total {
		i, ok := c.Pick(PickInfo{})
		if !ok {
			t.Fatal("Pick() ok = false; want true")
		}
		counts[i]++
	}
	if !slices.Equal(counts, points) {
		t.Errorf("one turn of picks = %v; want %v", counts, points)
	}
}

func TestCHashPriority(t *testing.T) {
	ts := weighted(1, 2, 1, 1, 3)
	ts[0].Priority, ts[1].Priority = 10, 10 // first group
	ts[2].Priority = 0                      // second group
	ts[3].Priority = -5                     // third group
	ts[4].Priority, ts[4].Weight = 20, 0    // highest priority but never picked
	c := NewCHash(ts, Options{})
	tests := []struct {
		name  string
		down  []int
		tried []int
		want  []int // the targets keys may go to
	}{
		{"high group serves", nil, nil, []int{0, 1}},
		{"high group partly down", []int{0}, nil, []int{1}},
		{"high group down", []int{0, 1}, nil, []int{2}},
		{"high group down and tried", []int{0}, []int{1}, []int{2}},
		{"two groups tried", nil, []int{0, 1, 2}, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setDown(ts, tc.down...)
			var tried Tried
			for _, i := range tc.tried {
				tried.Add(i)
			}
			seen := make(map[int]bool)
			for _, h := range keyHashes(200) {
				i, ok := c.Pick(PickInfo{Tried: &tried, Hash: h, HasHash: true})
				if !ok || !slices.Contains(tc.want, i) {
					t.Fatalf("Pick(%#x) = %d, %t; want one of %v", h, i, ok, tc.want)
				}
				seen[i] = true
			}
			if len(seen) != len(tc.want) {
				t.Errorf("keys went to %v; want all of %v", seen, tc.want)
			}
		})
	}
	setDown(ts)
}

// hotKeys returns hashes of distinct keys that target hot receives when
// all targets are up.
func hotKeys(t *testing.T, c *CHash, hot, n int) []uint64 {
	t.Helper()
	var out []uint64
	for k := 0; len(out) < n; k++ {
		h := HashKey(fmt.Appendf(nil, "hot-%d", k))
		if i, _ := c.Pick(PickInfo{Hash: h, HasHash: true}); i == hot {
			out = append(out, h)
		}
	}
	return out
}

// TestCHashBoundedSequential sends keys that all belong to one node, with
// Begin after each pick and no End: with factor 125, after every pick no
// target has more than ceil(1.25 * total / 10) in flight, so the hot keys
// spill; after End they come back.
func TestCHashBoundedSequential(t *testing.T) {
	ts := weighted(slices.Repeat([]int{1}, 10)...)
	c := NewCHash(ts, Options{HashBalanceFactor: 125})
	const hot = 3
	keys := hotKeys(t, c, hot, 500)
	spilled := 0
	for k, h := range keys {
		i, ok := c.Pick(PickInfo{Hash: h, HasHash: true})
		if !ok {
			t.Fatalf("pick %d: Pick() ok = false; want true", k)
		}
		if i != hot {
			spilled++
		}
		ts[i].Node.Begin()
		limit := boundedCap(125, int64(k), 10) // the cap over k+1 in flight
		for j := range ts {
			if n := ts[j].Node.InFlight(); n > limit {
				t.Fatalf("pick %d: target %d has %d in flight; want at most %d", k, j, n, limit)
			}
		}
	}
	if n := ts[hot].Node.InFlight(); n != boundedCap(125, int64(len(keys)-1), 10) {
		t.Errorf("hot target has %d in flight; want the cap %d", n, boundedCap(125, int64(len(keys)-1), 10))
	}
	if spilled < len(keys)/2 {
		t.Errorf("%d of %d hot keys spilled; want most", spilled, len(keys))
	}
	for j := range ts {
		for ts[j].Node.InFlight() > 0 {
			ts[j].Node.End(0, nil)
		}
	}
	for k, h := range keys {
		if i, _ := c.Pick(PickInfo{Hash: h, HasHash: true}); i != hot {
			t.Fatalf("key %d after End: Pick() = %d; want %d", k, i, hot)
		}
	}
}

// TestCHashBoundedSpill checks where an overloaded node's keys go: to the
// same next node on the ring as when it is down, while other keys stay.
func TestCHashBoundedSpill(t *testing.T) {
	ts := weighted(slices.Repeat([]int{1}, 10)...)
	c := NewCHash(ts, Options{HashBalanceFactor: 125})
	const hot = 6
	hashes := keyHashes(2000)
	before := placeAddrs(t, c, hashes)
	markDown(ts[hot], true)
	walked := placeAddrs(t, c, hashes)
	markDown(ts[hot], false)

	// 50 in flight on hot and none elsewhere: cap = ceil(1.25*51/10) = 7.
	for range 50 {
		ts[hot].Node.Begin()
	}
	spilled := placeAddrs(t, c, hashes)
	for k := range hashes {
		if spilled[k] != walked[k] {
			t.Fatalf("key %d with %s overloaded on %s; want %s", k, ts[hot].Node.Addr(), spilled[k], walked[k])
		}
	}
	for range 50 {
		ts[hot].Node.End(0, nil)
	}
	if back := placeAddrs(t, c, hashes); !slices.Equal(back, before) {
		t.Error("keys after the hot node drained differ from before; want them back")
	}
}

// TestCHashBoundedFallback checks that the cap never makes Pick say none:
// when every target under the cap is tried, Pick takes the plain walk.
func TestCHashBoundedFallback(t *testing.T) {
	ts := weighted(1, 1, 1)
	plain := NewCHash(ts, Options{})
	bounded := NewCHash(ts, Options{HashBalanceFactor: 125})
	for range 5 {
		ts[0].Node.Begin()
		ts[1].Node.Begin()
	}
	// cap = ceil(1.25*11/3) = 5: targets 0 and 1 (5 in flight) are over it.
	var tried Tried
	tried.Add(2)
	for _, h := range keyHashes(100) {
		info := PickInfo{Tried: &tried, Hash: h, HasHash: true}
		want, _ := plain.Pick(info)
		if got, ok := bounded.Pick(info); !ok || got != want {
			t.Fatalf("Pick(%#x) = %d, %t; want %d, true", h, got, ok, want)
		}
		if got, _ := bounded.Pick(PickInfo{Hash: h, HasHash: true}); got != 2 {
			t.Fatalf("Pick(%#x) untried = %d; want 2, the only target under the cap", h, got)
		}
	}
}

// TestCHashBoundedOff checks that factors below 100 ignore load.
func TestCHashBoundedOff(t *testing.T) {
	for _, factor := range []int{0, 1, 99, -125} {
		t.Run(fmt.Sprint(factor), func(t *testing.T) {
			ts := weighted(1, 1, 1, 1)
			c := NewCHash(ts, Options{HashBalanceFactor: factor})
			hashes := keyHashes(1000)
			before := placeAddrs(t, c, hashes)
			for range 1000 {
				ts[0].Node.Begin()
			}
			if after := placeAddrs(t, c, hashes); !slices.Equal(after, before) {
				t.Errorf("factor %d: keys moved under load; want no bound", factor)
			}
		})
	}
}

// TestCHashConcurrent runs picks with and without keys, bounded, from many
// goroutines while nodes flip; the race detector checks the shared state.
func TestCHashConcurrent(t *testing.T) {
	ts := weighted(5, 1, 1, 3, 0, 2)
	c := NewCHash(ts, Options{HashBalanceFactor: 125})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 2000 {
				info := PickInfo{Hash: uint64(k) * 0x9e3779b97f4a7c15, HasHash: g%2 == 0}
				i, ok := c.Pick(info)
				if !ok {
					t.Error("Pick() ok = false; want true")
					return
				}
				if i == 4 {
					t.Error("Pick() = 4, a weight 0 target")
					return
				}
				ts[i].Node.Begin()
				ts[i].Node.End(0, nil)
			}
		})
	}
	wg.Go(func() {
		for range 500 {
			markDown(ts[1], true)
			markDown(ts[1], false)
		}
	})
	wg.Wait()
}

func TestCHashLargeGroupCapFollowsLoad(t *testing.T) {
	ts := make([]Target, 2*chCapScanLimit)
	for i := range ts {
		ts[i] = Target{Node: upstream.NewNode(fmt.Sprintf("192.0.2.%d:%d", i%250, 8000+i)), Weight: 1}
	}
	c := NewCHash(ts, Options{HashBalanceFactor: 125})
	g := &c.groups[0]
	idle := c.groupCap(g, PickInfo{})
	if want := boundedCap(125, 0, int64(len(ts))); idle != want {
		t.Fatalf("idle cap = %d; want %d", idle, want)
	}
	for i := range ts {
		for range 10 {
			ts[i].Node.Begin()
		}
	}
	time.Sleep(time.Duration(2 * chCapRefresh))
	want := boundedCap(125, int64(10*len(ts)), int64(len(ts)))
	if got := c.groupCap(g, PickInfo{}); got != want {
		t.Errorf("cap %v after the load rose = %d; want %d (the cached cap must be refreshed)", time.Duration(2*chCapRefresh), got, want)
	}

	// With the caller's clock: the cap is kept while that clock stays
	// within chCapRefresh of the sum, and summed again after.
	at := upstream.Nanotime() + int64(time.Hour)
	c.groupCap(g, PickInfo{Nanotime: at})
	for i := range ts {
		ts[i].Node.Begin()
	}
	if got := c.groupCap(g, PickInfo{Nanotime: at + chCapRefresh - 1}); got != want {
		t.Errorf("cap within chCapRefresh by PickInfo.Nanotime = %d; want the cached %d", got, want)
	}
	want = boundedCap(125, int64(11*len(ts)), int64(len(ts)))
	if got := c.groupCap(g, PickInfo{Nanotime: at + chCapRefresh}); got != want {
		t.Errorf("cap chCapRefresh later by PickInfo.Nanotime = %d; want %d", got, want)
	}
}
