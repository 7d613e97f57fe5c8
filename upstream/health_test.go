package upstream

import (
	"testing"
	"time"
)

func TestLastProbeKeepsOutcomeAndTime(t *testing.T) {
	h := NewHealth("127.0.0.1:1")
	if h.LastProbe() != nil {
		t.Fatal("a new node has a last probe")
	}
	t1 := time.Unix(100, 0)
	h.SetLastProbe(t1, HTTPFailures, 503, "status 503")
	if p := h.LastProbe(); p == nil || !p.At.Equal(t1) || p.Counter != HTTPFailures || p.Status != 503 || p.Err != "status 503" {
		t.Fatalf("LastProbe = %+v", p)
	}
	// The same outcome again only moves the time, without allocating.
	t2 := time.Unix(101, 0)
	if n := testing.AllocsPerRun(100, func() { h.SetLastProbe(t2, HTTPFailures, 503, "status 503") }); n != 0 {
		t.Errorf("repeating an outcome allocates %v times; want 0", n)
	}
	if p := h.LastProbe(); !p.At.Equal(t2) || p.Status != 503 {
		t.Errorf("LastProbe = %+v; want the same outcome at %v", p, t2)
	}
	h.SetLastProbe(t2, Successes, 200, "")
	if p := h.LastProbe(); p.Counter != Successes || p.Status != 200 || p.Err != "" {
		t.Errorf("LastProbe = %+v; want the new outcome", p)
	}
}
