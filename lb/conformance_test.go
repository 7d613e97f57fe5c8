package lb

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jetwayhq/jetway/upstream"
)

// balancers lists every Balancer the package builds. Each runs the
// conformance table, the allocation tests and BenchmarkPick.
var balancers = []struct {
	name string
	new  func([]Target) Balancer
}{
	{"roundrobin", func(ts []Target) Balancer { return NewRoundRobin(ts) }},
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
		ts[i] = Target{Node: upstream.NewNode(fmt.Sprintf("192.0.2.%d:8080", i)), Weight: w}
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

// Node states the conformance table runs every target through.
const (
	stateUp = iota
	stateDown
	stateTried
	stateCount
)

// testConformance checks the Balancer contract for the balancer newBalancer
// builds. For every set above and every assignment of up, down or tried to
// its targets, Pick must:
//   - return ok=false exactly when no target with a positive weight is up
//     and untried;
//   - otherwise return the index of such a target, from the highest
//     priority that has one.
//
// It then retries one request until Pick says none and checks that each
// usable target is visited exactly once.
func testConformance(t *testing.T, newBalancer func([]Target) Balancer) {
	for _, set := range conformanceSets {
		t.Run(set.name, func(t *testing.T) {
			ts := set.targets()
			b := newBalancer(ts)
			states := make([]int, len(ts))
			for {
				checkPicks(t, b, ts, states)
				if !nextStates(states) {
					break
				}
			}
			setDown(ts)
			checkRetries(t, b, ts)
		})
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

func checkPicks(t *testing.T, b Balancer, ts []Target, states []int) {
	t.Helper()
	var tried Tried
	for i, s := range states {
		ts[i].Node.SetDown(s == stateDown)
		if s == stateTried {
			tried.Add(i)
		}
	}
	info := PickInfo{Tried: &tried}
	wantOK, wantPriority := false, 0
	for i, tg := range ts {
		if usable(ts, i, info) && (!wantOK || tg.Priority > wantPriority) {
			wantOK, wantPriority = true, tg.Priority
		}
	}
	// Several picks, so a balancer that moves on between picks is checked
	// at more than one position.
	for range 2*len(ts) + 1 {
		i, ok := b.Pick(info)
		if ok != wantOK {
			t.Fatalf("states %v: Pick() ok = %t; want %t", states, ok, wantOK)
		}
		if !ok {
			continue
		}
		if i < 0 || i >= len(ts) {
			t.Fatalf("states %v: Pick() = %d; want an index below %d", states, i, len(ts))
		}
		if !usable(ts, i, info) {
			t.Fatalf("states %v: Pick() = %d (weight %d, state %d); want an up, untried target with weight > 0",
				states, i, ts[i].Weight, states[i])
		}
		if p := ts[i].Priority; p != wantPriority {
			t.Fatalf("states %v: Pick() = %d with priority %d; want priority %d", states, i, p, wantPriority)
		}
	}
}

func checkRetries(t *testing.T, b Balancer, ts []Target) {
	t.Helper()
	var tried Tried
	var got []int
	for range len(ts) + 1 {
		i, ok := b.Pick(PickInfo{Tried: &tried})
		if !ok {
			break
		}
		if tried.Has(i) {
			t.Fatalf("retries: Pick() = %d again after %v", i, got)
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
		t.Errorf("retries visited %v; want each of %v once", got, want)
	}
}

// TestNoneUsable checks that every balancer says none, again and again,
// for target sets with nothing usable in them.
func TestNoneUsable(t *testing.T) {
	sets := []struct {
		name string
		ts   func() []Target
	}{
		{"nil", func() []Target { return nil }},
		{"empty", func() []Target { return []Target{} }},
		{"all weight 0", func() []Target { return weighted(0, 0) }},
		{"negative weight", func() []Target { return weighted(-3) }},
		{"all down", func() []Target { ts := weighted(1, 2, 3); setDown(ts, 0, 1, 2); return ts }},
		{"only weight 0 up", func() []Target { ts := weighted(0, 2); setDown(ts, 1); return ts }},
	}
	for _, b := range balancers {
		for _, set := range sets {
			t.Run(b.name+"/"+set.name, func(t *testing.T) {
				bal := b.new(set.ts())
				for range 3 {
					if i, ok := bal.Pick(PickInfo{}); ok {
						t.Fatalf("Pick() = %d, true; want ok = false", i)
					}
				}
			})
		}
	}
}
