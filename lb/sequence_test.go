package lb

import (
	"slices"
	"sync"
	"testing"
)

func TestSequenceWindows(t *testing.T) {
	for _, w := range [][]int{{5, 95}, {1, 9}, {3, 0, 2}, {1}, {7, 7, 7}} {
		s := NewSequence(w)
		sum := 0
		for _, x := range w {
			sum += x
		}
		picks := make([]int, 10*sum)
		for i := range picks {
			picks[i] = s.Next()
		}
		// Every window of sum consecutive picks holds each index exactly
		// its weight times.
		for start := 0; start+sum <= len(picks); start++ {
			counts := make([]int, len(w))
			for _, i := range picks[start : start+sum] {
				counts[i]++
			}
			if !slices.Equal(counts, w) {
				t.Fatalf("weights %v: window at %d holds %v", w, start, counts)
			}
		}
	}
}

func TestSequenceNone(t *testing.T) {
	if got := NewSequence([]int{0, 0}).Next(); got != -1 {
		t.Errorf("Next() over zero weights = %d; want -1", got)
	}
	if got := NewSequence(nil).Next(); got != -1 {
		t.Errorf("Next() over no weights = %d; want -1", got)
	}
}

func TestSequenceSharedExactly(t *testing.T) {
	s := NewSequence([]int{5, 95})
	const goroutines, each = 4, 25000
	var counts [2]int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local [2]int64
			for range each {
				local[s.Next()]++
			}
			mu.Lock()
			counts[0] += local[0]
			counts[1] += local[1]
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[0] != 5000 || counts[1] != 95000 {
		t.Errorf("100,000 picks from 4 goroutines: %v; want exactly [5000 95000]", counts)
	}
}

func TestSequenceDoesNotAllocate(t *testing.T) {
	s := NewSequence([]int{5, 95})
	if n := testing.AllocsPerRun(1000, func() { s.Next() }); n != 0 {
		t.Errorf("Next allocates %v times; want 0", n)
	}
}
