package lb

import (
	"math/rand/v2"
	"testing"
)

// TestAliasTableExact checks the table's construction exactly: summing
// every slot's keep and alias mass per position gives n*weight, so each
// position is drawn with probability weight/total.
func TestAliasTableExact(t *testing.T) {
	tests := [][]uint64{
		{1},
		{1, 1},
		{1, 2, 7},
		{3, 1},
		{1, 1000000},
		{maxDrawWeight - 1, 1, maxDrawWeight - 1},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		w := make([]uint64, 1+rng.IntN(300))
		for k := range w {
			w[k] = 1 + rng.Uint64N(1+rng.Uint64N(maxDrawWeight-1))
		}
		tests = append(tests, w)
	}
	for _, weights := range tests {
		tab := newAliasTable(weights)
		n := uint64(len(weights))
		got := make([]uint64, n)
		var total uint64
		for _, w := range weights {
			total += w
		}
		if tab.mass != total {
			t.Fatalf("weights %v: mass %d; want %d", weights, tab.mass, total)
		}
		for k, s := range tab.slots {
			if s.keep > total || s.alias < 0 || int(s.alias) >= len(weights) {
				t.Fatalf("weights %v: slot %d = %+v out of range", weights, k, s)
			}
			got[k] += s.keep
			got[s.alias] += total - s.keep
		}
		for k, w := range weights {
			if got[k] != w*n {
				t.Errorf("weights %v: position %d holds mass %d; want %d", weights, k, got[k], w*n)
			}
		}
	}
}

// TestAliasTableDraws checks draws against the weights 1, 2, 7 within the
// 6-standard-deviation bounds of checkShares.
func TestAliasTableDraws(t *testing.T) {
	const n = 100_000
	tab := newAliasTable([]uint64{1, 2, 7})
	counts := make([]int, 3)
	rnd := newPickRand()
	for range n {
		counts[tab.draw(&rnd)]++
	}
	checkShares(t, counts, n, []float64{0.1, 0.2, 0.7})
}
