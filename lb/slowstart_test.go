package lb

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/upstream"
)

// Slow start in tests: rampOpts ramps from 10% over rampWindow, and a
// target whose Health.UpSince is rampUp has factor 100 + 900*elapsed/window
// permille at PickInfo.Now = rampUp + elapsed.
const (
	rampWindow = 10 * time.Second
	rampUp     = int64(1_700_000_000_000_000_000) // an arbitrary UnixNano
)

var rampOpts = Options{SlowStart: SlowStart{Window: rampWindow, MinPercent: 10}}

func TestRampFactor(t *testing.T) {
	const w = int64(rampWindow)
	tests := []struct {
		name    string
		s       SlowStart
		up, now int64
		want    int64
	}{
		{"off", SlowStart{}, 1, 2, fullRamp},
		{"negative window is off", SlowStart{Window: -time.Second, MinPercent: 10}, 1, 2, fullRamp},
		{"no slow start this pick", rampOpts.SlowStart, rampUp, 0, fullRamp},
		{"not ramping", rampOpts.SlowStart, 0, rampUp, fullRamp},
		{"start", rampOpts.SlowStart, rampUp, rampUp, 100},
		{"one tenth", rampOpts.SlowStart, rampUp, rampUp + w/10, 190},
		{"half", rampOpts.SlowStart, rampUp, rampUp + w/2, 550},
		{"just before the end", rampOpts.SlowStart, rampUp, rampUp + w - 1, 999},
		{"end", rampOpts.SlowStart, rampUp, rampUp + w, fullRamp},
		{"past the end", rampOpts.SlowStart, rampUp, rampUp + 2*w, fullRamp},
		{"clock behind", rampOpts.SlowStart, rampUp, rampUp - 1, fullRamp},
		{"from 0%", SlowStart{Window: rampWindow}, rampUp, rampUp + w/4, 250},
		{"from 0% at start", SlowStart{Window: rampWindow}, rampUp, rampUp, 0},
		{"min above 100 clamps", SlowStart{Window: rampWindow, MinPercent: 150}, rampUp, rampUp, fullRamp},
		{"negative min clamps", SlowStart{Window: rampWindow, MinPercent: -5}, rampUp, rampUp + w/2, 500},
		{"huge window", SlowStart{Window: 1 << 62, MinPercent: 50}, 1, 1 + 1<<61, 750},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := upstream.NewHealth("10.0.0.1:80")
			h.SetUpSince(tc.up)
			r := newRamp(tc.s)
			if got := r.factor(h, r.clock(PickInfo{Now: tc.now})); got != tc.want {
				t.Errorf("factor(up %d, now %d) = %d; want %d", tc.up, tc.now, got, tc.want)
			}
		})
	}
	if got := newRamp(rampOpts.SlowStart).factor(nil, rampUp); got != fullRamp {
		t.Errorf("factor(nil Health) = %d; want %d", got, fullRamp)
	}
}

// rampCase is one point of the window: the elapsed time and the factor,
// permille, that rampOpts gives there.
type rampCase struct {
	name    string
	elapsed time.Duration
	f       int64
}

var rampCases = []rampCase{
	{"start", 0, 100},
	{"half window", rampWindow / 2, 550},
	{"end", rampWindow, fullRamp},
}

// rampPicks is the number of picks of TestSlowStartShares: a multiple of
// 31, 71 and 4, the sums of the reduced ramped weights 1+10+10+10,
// 11+20+20+20 and 1+1+1+1, so that least_conn's exact shares are whole.
const rampPicks = 4 * 31 * 71 * 5

// TestSlowStartShares runs every balancer but chash (see
// TestCHashSlowStart) over 4 targets of weight 1, target 0 ramping with
// factor f, and holds every pick in flight (Begin, no End), so the
// load-comparing types settle where in-flight is in proportion to
// weight*f. Target 0's share must be f/(f+3000), the others' equal.
// Bounds:
//   - least_conn scans 4 targets exactly (D'Hondt, as in
//     TestLeastConnWeights): the counts are exact.
//   - p2c and ewma compare two random candidates, which keeps
//     (in+1)/(weight*f) level: every count within 20 picks of its share
//     of rampPicks (over 1500 runs per case the worst seen was 5; ±4σ of
//     independent picks would be ±150 at f = 100).
//   - roundrobin and random accept a ramping target at random: ±6σ of
//     the binomial (checkShares). For roundrobin the others' counts are
//     exact per cycle, so the true spread is smaller.
func TestSlowStartShares(t *testing.T) {
	for _, b := range balancers {
		if b.name == "chash" {
			continue
		}
		for _, rc := range rampCases {
			t.Run(b.name+"/"+rc.name, func(t *testing.T) {
				ts := weighted(1, 1, 1, 1)
				ts[0].Health.SetUpSince(rampUp)
				bal := b.new(ts, rampOpts)
				info := PickInfo{Now: rampUp + int64(rc.elapsed)}
				counts := make([]int, len(ts))
				for k := range rampPicks {
					i, ok := bal.Pick(info)
					if !ok {
						t.Fatalf("pick %d: Pick() ok = false; want true", k)
					}
					counts[i]++
					ts[i].Node.Begin()
				}
				p := float64(rc.f) / float64(rc.f+3*fullRamp)
				want := []float64{p, (1 - p) / 3, (1 - p) / 3, (1 - p) / 3}
				switch b.name {
				case "least_conn":
					for i, s := range want {
						if w := int(math.Round(s * rampPicks)); counts[i] != w {
							t.Errorf("target %d picked %d times in %d; want exactly %d", i, counts[i], rampPicks, w)
						}
					}
				case "p2c", "ewma":
					for i, s := range want {
						mean := s * rampPicks
						if d := math.Abs(float64(counts[i]) - mean); d > 20 {
							t.Errorf("target %d picked %d times in %d; want %.0f ± 20", i, counts[i], rampPicks, mean)
						}
					}
				default:
					checkShares(t, counts, rampPicks, want)
				}
			})
		}
	}
}

// TestSlowStartNeverNone checks that the ramp never makes Pick say none:
// with the only usable target ramping at 0%, every balancer returns it.
func TestSlowStartNeverNone(t *testing.T) {
	for _, b := range balancers {
		t.Run(b.name, func(t *testing.T) {
			ts := weighted(1, 1, 1)
			setDown(ts, 0, 2)
			ts[1].Health.SetUpSince(rampUp)
			bal := b.new(ts, Options{SlowStart: SlowStart{Window: time.Minute}})
			for _, info := range []PickInfo{{Now: rampUp}, {Now: rampUp, Panic: true}} {
				for range 50 {
					i, ok := bal.Pick(info)
					if !ok || !info.Panic && i != 1 {
						t.Fatalf("Pick(panic %t) = %d, %t; want 1, true", info.Panic, i, ok)
					}
				}
			}
		})
	}
}

// TestCHashSlowStart checks chash's ramp over 4 equal targets, target 0
// ramping, with 200000 distinct keys. A key refused by the ramp walks on
// as if target 0 were down, so keys never move between the other targets
// and target 0 keeps the keys it takes. Each of its keys is kept when a
// hash of the key falls below f, so it keeps a binomial f/1000 of its
// ring share: ±6σ. That is f·w/Σw of all keys (2.5% at f = 100), not the
// f·w/Σ(f·w) (3.2%) of the other types: reaching that would take keys
// from the healthy targets.
//
// Requests without a key take counter positions round the ring; target 0
// keeps a turn when a hash of the position falls below f, again a
// binomial f/1000 of its turns.
func TestCHashSlowStart(t *testing.T) {
	const keys = 200_000
	hashes := keyHashes(keys)
	for _, rc := range rampCases {
		t.Run(rc.name, func(t *testing.T) {
			ts := weighted(1, 1, 1, 1)
			c := NewCHash(ts, rampOpts)
			now := rampUp + int64(rc.elapsed)
			before := placeAddrs(t, c, hashes)
			markDown(ts[0], true)
			down := placeAddrs(t, c, hashes)
			markDown(ts[0], false)
			ts[0].Health.SetUpSince(rampUp)
			defer ts[0].Health.SetUpSince(0)
			ramped := placeRamped(t, c, hashes, now)
			ramp := ts[0].Node.Addr()
			owned, kept := 0, 0
			for k := range hashes {
				if before[k] == ramp {
					owned++
				}
				switch ramped[k] {
				case ramp:
					kept++
					if before[k] != ramp {
						t.Fatalf("key %d on the ramping target; was on %s", k, before[k])
					}
				case down[k]:
				default:
					t.Fatalf("key %d on %s; want %s, where it goes with the ramping target down", k, ramped[k], down[k])
				}
			}
			checkShares(t, []int{kept}, owned, []float64{float64(rc.f) / fullRamp})

			// Without a key: one full turn gives target 0 its 160 turns per
			// ring share; check 100 turns.
			points := len(c.groups[0].hashes)
			counts := make([]int, len(ts))
			for range 100 * points {
				i, ok := c.Pick(PickInfo{Now: now})
				if !ok {
					t.Fatal("Pick() ok = false; want true")
				}
				counts[i]++
			}
			turns := 100 * ringPoints([]int{1, 1, 1, 1})[0]
			checkShares(t, counts[:1], turns, []float64{float64(rc.f) / fullRamp})
		})
	}
}

// placeRamped returns the address of the target each hash picks at now.
func placeRamped(t *testing.T, c *CHash, hashes []uint64, now int64) []string {
	t.Helper()
	out := make([]string, len(hashes))
	for k, h := range hashes {
		i, ok := c.Pick(PickInfo{Hash: h, HasHash: true, Now: now})
		if !ok {
			t.Fatalf("Pick(%#x) ok = false; want true", h)
		}
		out[k] = c.targets[i].Node.Addr()
	}
	return out
}

// TestCHashSlowStartMonotonic ramps target 3 of 10 from 0% in 20 steps:
// at each step every key the ramping target had stays on it, and every
// other key either stays or moves onto it. At the end of the window the
// placement is that of no ramp.
func TestCHashSlowStartMonotonic(t *testing.T) {
	const ramping = 3
	ts := weighted(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	c := NewCHash(ts, Options{SlowStart: SlowStart{Window: rampWindow}})
	hashes := keyHashes(50_000)
	plain := placeAddrs(t, c, hashes)
	ts[ramping].Health.SetUpSince(rampUp)
	addr := ts[ramping].Node.Addr()
	prev := placeRamped(t, c, hashes, rampUp)
	for k := range prev {
		if prev[k] == addr {
			t.Fatalf("key %d on the ramping target at 0%%; want none", k)
		}
	}
	for step := 1; step <= 20; step++ {
		now := rampUp + int64(rampWindow)*int64(step)/20
		cur := placeRamped(t, c, hashes, now)
		for k := range cur {
			if cur[k] != prev[k] && cur[k] != addr {
				t.Fatalf("step %d: key %d moved from %s to %s; want moves onto %s only", step, k, prev[k], cur[k], addr)
			}
		}
		prev = cur
	}
	for k := range prev {
		if prev[k] != plain[k] {
			t.Fatalf("key %d on %s at the end of the window; want %s", k, prev[k], plain[k])
		}
	}
}

// TestRampMix checks that rampMix spreads consecutive keys evenly over
// 0..999: a chi-square statistic over 100000 keys in 10 cells (9 degrees
// of freedom) is below 27.9 with probability 0.999.
func TestRampMix(t *testing.T) {
	const n = 100_000
	counts := make([]int, 10)
	for k := range uint64(n) {
		counts[rampMix(k, 0x9e3779b97f4a7c15)%fullRamp/100]++
	}
	chi2 := 0.0
	for _, c := range counts {
		d := float64(c) - n/10
		chi2 += d * d / (n / 10)
	}
	if chi2 > 27.9 {
		t.Errorf("rampMix deciles %v: chi-square %.1f; want below 27.9", counts, chi2)
	}
}

// TestSlowStartPanic checks that Panic and slow start work together: with
// every target down, Panic picks all of them, the ramping one too.
func TestSlowStartPanic(t *testing.T) {
	for _, b := range balancers {
		t.Run(b.name, func(t *testing.T) {
			ts := weighted(1, 1, 1)
			setDown(ts, 0, 1, 2)
			ts[2].Health.SetUpSince(rampUp)
			bal := b.new(ts, rampOpts)
			seen := make([]bool, len(ts))
			for range 3000 {
				i, ok := bal.Pick(PickInfo{Panic: true, Now: rampUp + int64(rampWindow/2)})
				if !ok {
					t.Fatal("Pick(Panic) ok = false; want true")
				}
				seen[i] = true
				ts[i].Node.Begin()
			}
			if !slices.Equal(seen, []bool{true, true, true}) {
				t.Errorf("targets picked under Panic: %v; want all", seen)
			}
		})
	}
}
