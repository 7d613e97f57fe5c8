package lb

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/jetwayhq/jetway/upstream"
)

// weighted returns one target per weight, priority 0, all available,
// each with its own Node and Health.
func weighted(weights ...int) []Target {
	ts := make([]Target, len(weights))
	for i, w := range weights {
		addr := fmt.Sprintf("10.0.0.%d:80", i)
		ts[i] = Target{Node: upstream.NewNode(addr), Health: upstream.NewHealth(addr), Weight: w}
	}
	return ts
}

// picks calls Pick n times with info and returns the indexes chosen.
func picks(t *testing.T, b Balancer, info PickInfo, n int) []int {
	t.Helper()
	out := make([]int, n)
	for k := range out {
		i, ok := b.Pick(info)
		if !ok {
			t.Fatalf("pick %d: Pick() ok = false; want true", k)
		}
		out[k] = i
	}
	return out
}

func TestRoundRobinSequence(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		cycle   []int
	}{
		{"nginx doc 5 1 1", []int{5, 1, 1}, []int{0, 0, 1, 0, 2, 0, 0}},
		{"3 1", []int{3, 1}, []int{0, 0, 1, 0}},
		{"1 1 1", []int{1, 1, 1}, []int{0, 1, 2}},
		{"common divisor", []int{10, 2, 2}, []int{0, 0, 1, 0, 2, 0, 0}},
		{"weight 0 skipped", []int{2, 0, 1}, []int{0, 2, 0}},
		{"negative weight skipped", []int{-4, 1, 1}, []int{1, 2}},
		{"single", []int{3}, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rr := NewRoundRobin(weighted(tc.weights...), Options{})
			want := slices.Concat(tc.cycle, tc.cycle, tc.cycle)
			if got := picks(t, rr, PickInfo{}, len(want)); !slices.Equal(got, want) {
				t.Errorf("Pick() sequence = %v; want %v", got, want)
			}
		})
	}
}

// TestRoundRobinWindows checks that every window of sum(weights)
// consecutive picks holds each target exactly weight times.
func TestRoundRobinWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 50 {
		weights := make([]int, 1+rng.IntN(8))
		sum := 0
		for i := range weights {
			weights[i] = rng.IntN(12) * (1 + rng.IntN(3))
			sum += weights[i]
		}
		if sum == 0 {
			continue
		}
		t.Run(fmt.Sprint(trial, weights), func(t *testing.T) {
			rr := NewRoundRobin(weighted(weights...), Options{})
			seq := picks(t, rr, PickInfo{}, 3*sum+rng.IntN(sum))
			counts := make([]int, len(weights))
			for k, i := range seq {
				counts[i]++
				if k >= sum {
					counts[seq[k-sum]]--
				}
				if k >= sum-1 && !slices.Equal(counts, weights) {
					t.Fatalf("picks %d..%d: counts = %v; want %v", k-sum+1, k, counts, weights)
				}
			}
		})
	}
}

// TestRoundRobinScaled checks that a weight sum beyond tableLimit is
// scaled and that windows are exact for the scaled weights.
func TestRoundRobinScaled(t *testing.T) {
	rr := NewRoundRobin(weighted(100_000, 1), Options{})
	want := []int{65535, 1}
	if n := len(rr.groups[0].table); n != tableLimit {
		t.Fatalf("table length = %d; want %d", n, tableLimit)
	}
	got := make([]int, 2)
	for _, i := range picks(t, rr, PickInfo{}, 3*tableLimit) {
		got[i]++
	}
	for i := range got {
		if got[i] != 3*want[i] {
			t.Errorf("picks of target %d = %d; want %d", i, got[i], 3*want[i])
		}
	}
}

// TestRoundRobinManyTargets checks a group with more members than
// tableLimit: each member is picked once per cycle.
func TestRoundRobinManyTargets(t *testing.T) {
	n := tableLimit + 100
	ts := make([]Target, n)
	node := upstream.NewNode("10.0.0.1:80")
	for i := range ts {
		ts[i] = Target{Node: node, Weight: 1 + i%3}
	}
	rr := NewRoundRobin(ts, Options{})
	seen := make([]bool, n)
	for _, i := range picks(t, rr, PickInfo{}, n) {
		if seen[i] {
			t.Fatalf("Pick() = %d twice in one cycle of %d", i, n)
		}
		seen[i] = true
	}
}

func TestRoundRobinConcurrent(t *testing.T) {
	weights := []int{5, 1, 1, 3, 0, 2}
	const cycles, workers = 2000, 8
	sum := 12
	rr := NewRoundRobin(weighted(weights...), Options{})
	per := cycles * sum / workers
	counts := make([][]int, workers)
	var wg sync.WaitGroup
	for g := range workers {
		counts[g] = make([]int, len(weights))
		wg.Go(func() {
			for range per {
				i, ok := rr.Pick(PickInfo{})
				if !ok {
					t.Error("Pick() ok = false; want true")
					return
				}
				counts[g][i]++
			}
		})
	}
	wg.Wait()
	for i, w := range weights {
		total := 0
		for g := range workers {
			total += counts[g][i]
		}
		if total != cycles*w {
			t.Errorf("picks of target %d = %d; want %d", i, total, cycles*w)
		}
	}
}

func TestRoundRobinPriority(t *testing.T) {
	ts := weighted(1, 2, 1, 1, 3)
	ts[0].Priority, ts[1].Priority = 10, 10 // first group
	ts[2].Priority = 0                      // second group
	ts[3].Priority = -5                     // third group
	ts[4].Priority, ts[4].Weight = 20, 0    // highest priority but never picked
	rr := NewRoundRobin(ts, Options{})

	tests := []struct {
		name  string
		down  []int
		tried []int
		want  []int // sequence of picks
	}{
		{"high group serves", nil, nil, []int{1, 0, 1, 1, 0, 1}},
		{"high group partly down", []int{0}, nil, []int{1, 1, 1}},
		{"high group down", []int{0, 1}, nil, []int{2, 2, 2}},
		{"high group down and tried", []int{0}, []int{1}, []int{2, 2}},
		{"two groups down", []int{0, 1, 2}, nil, []int{3, 3}},
		{"two groups tried", nil, []int{0, 1, 2}, []int{3, 3}},
		{"high group back", nil, nil, []int{1, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setDown(ts, tc.down...)
			var tried Tried
			for _, i := range tc.tried {
				tried.Add(i)
			}
			// Start every case at the same place in the high group's cycle.
			rr.groups[0].next.n.Store(0)
			if got := picks(t, rr, PickInfo{Tried: &tried}, len(tc.want)); !slices.Equal(got, tc.want) {
				t.Errorf("Pick() sequence = %v; want %v", got, tc.want)
			}
		})
	}
	setDown(ts, 0, 1, 2, 3)
	if i, ok := rr.Pick(PickInfo{}); ok {
		t.Errorf("Pick() = %d, true with every node down; want ok = false", i)
	}
}

// setDown marks the listed targets down and every other one up.
func setDown(ts []Target, down ...int) {
	for i, t := range ts {
		markDown(t, slices.Contains(down, i))
	}
}

// markDown marks t down (true) or up through its active-probe bit.
func markDown(t Target, down bool) { t.Health.Mark(upstream.ProbeDown, down) }

// TestRoundRobinSkipForward checks that an unusable entry passes its turn
// to the next entry of the cycle and that no usable target starves.
func TestRoundRobinSkipForward(t *testing.T) {
	ts := weighted(1, 1, 1)
	rr := NewRoundRobin(ts, Options{})
	setDown(ts, 1)
	want := []int{0, 2, 2, 0, 2, 2}
	if got := picks(t, rr, PickInfo{}, len(want)); !slices.Equal(got, want) {
		t.Errorf("Pick() sequence = %v; want %v", got, want)
	}
}

// TestRoundRobinWalk checks Pick against a plain walk over the whole cycle
// for every start position: the short probe and the nearest-member lookup
// together choose the first usable entry at or after the position.
func TestRoundRobinWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 40 {
		weights := make([]int, 2+rng.IntN(6))
		for i := range weights {
			weights[i] = 1 + rng.IntN(30)
		}
		ts := weighted(weights...)
		rr := NewRoundRobin(ts, Options{})
		var tried Tried
		for i := range ts {
			switch rng.IntN(3) {
			case 0:
				markDown(ts[i], true)
			case 1:
				tried.Add(i)
			}
		}
		info := PickInfo{Tried: &tried}
		g := &rr.groups[0]
		for pos := range g.table {
			want, wantOK := -1, false
			for step := range g.table {
				i := int(g.table[(pos+step)%len(g.table)])
				if usable(ts, i, info) {
					want, wantOK = i, true
					break
				}
			}
			g.next.n.Store(uint64(pos))
			got, ok := rr.Pick(info)
			if ok != wantOK || ok && got != want {
				t.Fatalf("trial %d weights %v position %d: Pick() = %d, %t; want %d, %t",
					trial, weights, pos, got, ok, want, wantOK)
			}
		}
	}
}

// TestRoundRobinRetries checks that a request retried until Pick says none
// visits every usable target exactly once, past Tried's inline capacity.
func TestRoundRobinRetries(t *testing.T) {
	ts := weighted(3, 1, 1, 0, 2, 1, 1, 5, 1, 1, 1, 1, 4, 1)
	markDown(ts[2], true)
	rr := NewRoundRobin(ts, Options{})
	var tried Tried
	visited := make([]int, len(ts))
	for range len(ts) + 1 {
		i, ok := rr.Pick(PickInfo{Tried: &tried})
		if !ok {
			break
		}
		visited[i]++
		tried.Add(i)
	}
	for i, n := range visited {
		want := 1
		if i == 2 || i == 3 {
			want = 0
		}
		if n != want {
			t.Errorf("target %d picked %d times; want %d", i, n, want)
		}
	}
	if i, ok := rr.Pick(PickInfo{Tried: &tried}); ok {
		t.Errorf("Pick() = %d, true after every target was tried; want ok = false", i)
	}
}

func TestRoundRobinCopiesTargets(t *testing.T) {
	ts := weighted(1, 1)
	rr := NewRoundRobin(ts, Options{})
	ts[0].Node = upstream.NewNode("10.9.9.9:80")
	ts[0].Health = upstream.NewHealth("10.9.9.9:80")
	markDown(ts[0], true)
	if got := picks(t, rr, PickInfo{}, 2); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("Pick() sequence = %v; want [0 1]", got)
	}
}

func TestForwardDistance(t *testing.T) {
	tests := []struct {
		name     string
		at       []int32
		start, n int32
		want     int32
	}{
		{"at start", []int32{2, 5, 9}, 5, 10, 0},
		{"before first", []int32{2, 5, 9}, 0, 10, 2},
		{"between", []int32{2, 5, 9}, 6, 10, 3},
		{"wraps", []int32{2, 5, 9}, 9, 10, 0},
		{"past last wraps", []int32{2, 5}, 7, 10, 5},
		{"single wraps", []int32{0}, 3, 4, 1},
		{"single same", []int32{3}, 3, 4, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := forwardDistance(tc.at, tc.start, tc.n); got != tc.want {
				t.Errorf("forwardDistance(%v, %d, %d) = %d; want %d", tc.at, tc.start, tc.n, got, tc.want)
			}
		})
	}
}
