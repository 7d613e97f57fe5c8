package upstream

import (
	"sync"
	"testing"
)

func TestRegistryGet(t *testing.T) {
	r := NewRegistry()
	a := r.Get("10.0.0.1:80")
	if a.Addr() != "10.0.0.1:80" {
		t.Errorf("Get(%q).Addr() = %q; want %q", "10.0.0.1:80", a.Addr(), "10.0.0.1:80")
	}
	if again := r.Get("10.0.0.1:80"); again != a {
		t.Errorf("Get(%q) returned a different *Node the second time", "10.0.0.1:80")
	}
	if b := r.Get("10.0.0.2:80"); b == a {
		t.Errorf("Get(%q) returned the node of %q", "10.0.0.2:80", "10.0.0.1:80")
	}
	if got := r.Len(); got != 2 {
		t.Errorf("Len() = %d; want 2", got)
	}
}

// TestRegistryKeepsState checks that live state recorded through one Get
// is seen through the next, as across a config reload.
func TestRegistryKeepsState(t *testing.T) {
	r := NewRegistry()
	n := r.Get("10.0.0.1:80")
	n.Begin()
	n.End(Timeout, nil)
	again := r.Get("10.0.0.1:80")
	if got := again.ConsecutiveFailures(); got != 1 {
		t.Errorf("ConsecutiveFailures() = %d; want 1", got)
	}
}

func TestRegistryRetain(t *testing.T) {
	tests := []struct {
		name string
		keep []string
		want int // Len after Retain
	}{
		{"keep all", []string{"a:1", "b:1", "c:1"}, 3},
		{"keep some", []string{"a:1", "c:1"}, 2},
		{"keep unknown", []string{"d:1"}, 0},
		{"keep none", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRegistry()
			before := map[string]*Node{}
			for _, addr := range []string{"a:1", "b:1", "c:1"} {
				before[addr] = r.Get(addr)
			}
			keep := map[string]struct{}{}
			for _, addr := range tc.keep {
				keep[addr] = struct{}{}
			}
			r.Retain(keep)
			if got := r.Len(); got != tc.want {
				t.Errorf("Len() = %d; want %d", got, tc.want)
			}
			for addr, old := range before {
				_, kept := keep[addr]
				if same := r.Get(addr) == old; same != kept {
					t.Errorf("Get(%q) after Retain: same node = %t; want %t", addr, same, kept)
				}
			}
		})
	}
}

func TestRegistryConcurrentGet(t *testing.T) {
	r := NewRegistry()
	const workers = 8
	got := make([]*Node, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() { got[g] = r.Get("10.0.0.1:80") })
	}
	wg.Wait()
	for g := 1; g < workers; g++ {
		if got[g] != got[0] {
			t.Fatalf("goroutine %d got a different *Node for the same address", g)
		}
	}
	if n := r.Len(); n != 1 {
		t.Errorf("Len() = %d; want 1", n)
	}
}
