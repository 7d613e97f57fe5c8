package lb

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jetwayhq/jetway/upstream"
)

// balancerCase is one Balancer type the package builds.
type balancerCase struct {
	name string
	new  func([]Target, Options) Balancer
}

// balancers lists every Balancer the package builds. Each runs the
// conformance table, the allocation tests, the slow-start tests and
// BenchmarkPick.
var balancers = []balancerCase{
	{"roundrobin", func(ts []Target, o Options) Balancer { return NewRoundRobin(ts, o) }},
}

func TestConformance(t *testing.T) {
	for _, b := range balancers {
		t.Run(b.name, func(t *testing.T) { testConformance(t, b.new) })
	}
}

// conformanceSet describes one target list for the conformance table.
type conformanceSet struct {
	name       string
	weights    []int
	priorities []int // nil: all 0
}

func (s conformanceSet) targets() []Target {
	ts := make([]Target, len(s.weights))
	for i, w := range s.weights {
		addr := fmt.Sprintf("192.0.2.%d:8080", i)
		ts[i] = Target{Node: upstream.NewNode(addr), Health: upstream.NewHealth(addr), Weight: w}
		if s.priorities != nil {
			ts[i].Priority = s.priorities[i]
		}
	}
	return ts
}

var conformanceSets = []conformanceSet{
	{name: "empty"},
	{name: "single", weights: []int{1}},
	{name: "single heavy", weights: []int{100}},
	{name: "single weight 0", weights: []int{0}},
	{name: "equal", weights: []int{1, 1, 1, 1}},
	{name: "weighted", weights: []int{5, 1, 3, 2}},
	{name: "weight 0", weights: []int{2, 0, 1, 0}},
	{name: "priorities", weights: []int{1, 2, 1, 1}, priorities: []int{10, 10, 0, -5}},
	{name: "priorities shuffled", weights: []int{1, 3, 1, 2}, priorities: []int{0, 7, -1, 7}},
	{name: "priority weight 0", weights: []int{0, 1, 1, 2}, priorities: []int{9, 9, 1, 0}},
}

// conformanceModes are the settings the table runs under: no slow start,
// and slow start with every target, or every other one, ramping at 0%, the
// factor that turns down every pick it can, so that the ramp's fallback
// must keep the contract.
var conformanceModes = []struct {
	name    string
	ramping func(i int) bool // nil: none
}{
	{name: "plain"},
	{name: "all ramping", ramping: func(int) bool { return true }},
	{name: "some ramping", ramping: func(i int) bool { return i%2 == 1 }},
}

// Node states the conformance table runs every target through.
const (
	stateUp = iota
	stateDown
	stateTried
	stateCount
)

// testConformance checks the Balancer contract for the balancer newBalancer
// builds. For every mode and set above, every assignment of up, down or
// tried to its targets, and Panic off and on, Pick must:
//   - return ok=false exactly when no target with a positive weight is
//     untried and up (or down, under Panic);
//   - otherwise return the index of such a target, from the highest
//     priority that has one.
//
// It then retries one request until Pick says none, with every target up
// and again with every target down under Panic, and checks that each
// usable target is visited exactly once.
func testConformance(t *testing.T, newBalancer func([]Target, Options) Balancer) {
	for _, mode := range conformanceModes {
		for _, set := range conformanceSets {
			t.Run(mode.name+"/"+set.name, func(t *testing.T) {
				ts := set.targets()
				var opts Options
				var now int64
				if mode.ramping != nil {
					opts.SlowStart = SlowStart{Window: time.Minute, MinPercent: 0}
					now = rampUp
					for i := range ts {
						if mode.ramping(i) {
							ts[i].Health.SetUpSince(rampUp)
						}
					}
				}
				b := newBalancer(ts, opts)
				for _, panicking := range []bool{false, true} {
					states := make([]int, len(ts))
					for {
						checkPicks(t, b, ts, states, PickInfo{Panic: panicking, Now: now})
						if !nextStates(states) {
							break
						}
					}
				}
				setDown(ts)
				checkRetries(t, b, ts, PickInfo{Now: now})
				setDown(ts, allBut(len(ts))...)
				checkRetries(t, b, ts, PickInfo{Now: now, Panic: true})
			})
		}
	}
}

// nextStates advances states to the next assignment, counting in base
// stateCount, and reports false after the last one.
func nextStates(states []int) bool {
	for i := range states {
		states[i]++
		if states[i] < stateCount {
			return true
		}
		states[i] = 0
	}
	return false
}

// checkPicks sets the targets to states and checks Pick with info, its
// Tried replaced by the tried targets.
func checkPicks(t *testing.T, b Balancer, ts []Target, states []int, info PickInfo) {
	t.Helper()
	var tried Tried
	for i, s := range states {
		markDown(ts[i], s == stateDown)
		if s == stateTried {
			tried.Add(i)
		}
	}
	info.Tried = &tried
	wantOK, wantPriority := false, 0
	for i, tg := range ts {
		if wantUsable(ts, i, info) && (!wantOK || tg.Priority > wantPriority) {
			wantOK, wantPriority = true, tg.Priority
		}
	}
	// Several picks, so a balancer that moves on between picks is checked
	// at more than one position.
	for range 2*len(ts) + 1 {
		i, ok := b.Pick(info)
		if ok != wantOK {
			t.Fatalf("states %v panic %t: Pick() ok = %t; want %t", states, info.Panic, ok, wantOK)
		}
		if !ok {
			continue
		}
		if i < 0 || i >= len(ts) {
			t.Fatalf("states %v panic %t: Pick() = %d; want an index below %d", states, info.Panic, i, len(ts))
		}
		if !wantUsable(ts, i, info) {
			t.Fatalf("states %v panic %t: Pick() = %d (weight %d, state %d); want a usable, untried target with weight > 0",
				states, info.Panic, i, ts[i].Weight, states[i])
		}
		if p := ts[i].Priority; p != wantPriority {
			t.Fatalf("states %v panic %t: Pick() = %d with priority %d; want priority %d", states, info.Panic, i, p, wantPriority)
		}
	}
}

// wantUsable is the contract's eligibility: a positive weight, up (or
// info.Panic) and not tried.
func wantUsable(ts []Target, i int, info PickInfo) bool {
	return ts[i].Weight > 0 && (info.Panic || ts[i].Health.Available()) && !info.Tried.Has(i)
}

// checkRetries retries one request with info until Pick says none and
// checks that it visited every positive-weight target once.
func checkRetries(t *testing.T, b Balancer, ts []Target, info PickInfo) {
	t.Helper()
	var tried Tried
	info.Tried = &tried
	var got []int
	for range len(ts) + 1 {
		i, ok := b.Pick(info)
		if !ok {
			break
		}
		if tried.Has(i) {
			t.Fatalf("retries (panic %t): Pick() = %d again after %v", info.Panic, i, got)
		}
		tried.Add(i)
		got = append(got, i)
	}
	var want []int
	for i, tg := range ts {
		if tg.Weight > 0 {
			want = append(want, i)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("retries (panic %t) visited %v; want each of %v once", info.Panic, got, want)
	}
}

// TestNoneUsable checks that every balancer says none, again and again,
// for target sets with nothing usable in them, and that under Panic it
// says none only when no target has a positive weight.
func TestNoneUsable(t *testing.T) {
	sets := []struct {
		name    string
		ts      func() []Target
		panicOK bool // Pick under Panic finds a target
	}{
		{"nil", func() []Target { return nil }, false},
		{"empty", func() []Target { return []Target{} }, false},
		{"all weight 0", func() []Target { return weighted(0, 0) }, false},
		{"negative weight", func() []Target { return weighted(-3) }, false},
		{"all down", func() []Target { ts := weighted(1, 2, 3); setDown(ts, 0, 1, 2); return ts }, true},
		{"only weight 0 up", func() []Target { ts := weighted(0, 2); setDown(ts, 1); return ts }, true},
	}
	for _, b := range balancers {
		for _, set := range sets {
			t.Run(b.name+"/"+set.name, func(t *testing.T) {
				ts := set.ts()
				bal := b.new(ts, Options{})
				for range 3 {
					if i, ok := bal.Pick(PickInfo{}); ok {
						t.Fatalf("Pick() = %d, true; want ok = false", i)
					}
				}
				for range 3 {
					i, ok := bal.Pick(PickInfo{Panic: true})
					if ok != set.panicOK {
						t.Fatalf("Pick(Panic) = %d, %t; want ok = %t", i, ok, set.panicOK)
					}
					if ok && ts[i].Weight <= 0 {
						t.Fatalf("Pick(Panic) = %d, weight %d; want a positive weight", i, ts[i].Weight)
					}
				}
			})
		}
	}
}
