package canary

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testRamp(compare bool) (*Ramp, *int) {
	r := NewRamp(RampConfig{
		Steps: []int{1, 5, 25, 100}, Interval: time.Minute, MinRequests: 100,
		MaxErrorRate: 0.01, MaxP99: 500 * time.Millisecond, CompareToStable: compare,
	}, t0)
	applied := new(int)
	r.Attach(func(w int) { *applied = w })
	return r, applied
}

func feed(r *Ramp, arm, n, failed int, latency time.Duration) {
	for i := range n {
		r.Observe(arm, i < failed, latency)
	}
}

func TestRampAdvancesOnlyWithEnoughRequests(t *testing.T) {
	r, applied := testRamp(false)
	if *applied != 1 {
		t.Fatalf("attached weight %d; want the first step, 1", *applied)
	}
	feed(r, CanaryArm, 99, 0, 10*time.Millisecond)
	r.Tick(t0.Add(time.Minute))
	if v := r.View(); v.Weight != 1 || v.State != Running {
		t.Fatalf("advanced with 99 of 100 requests: %+v", v)
	}
	feed(r, CanaryArm, 1, 0, 10*time.Millisecond)
	r.Tick(t0.Add(2 * time.Minute))
	if v := r.View(); v.Weight != 5 || v.Step != 1 || *applied != 5 {
		t.Fatalf("after a good step: %+v, applied %d; want weight 5", v, *applied)
	}
	if v := r.View(); v.Canary.Requests != 0 {
		t.Errorf("a new step kept the old counts: %+v", v.Canary)
	}
	for _, want := range []int{25, 100} {
		feed(r, CanaryArm, 100, 0, time.Millisecond)
		r.Tick(t0)
		if v := r.View(); v.Weight != want {
			t.Fatalf("weight %d; want %d", v.Weight, want)
		}
	}
	feed(r, CanaryArm, 100, 0, time.Millisecond)
	r.Tick(t0)
	if v := r.View(); v.State != Promoted || v.Weight != 100 {
		t.Errorf("after the last step: %+v; want promoted at 100", v)
	}
}

func TestRampRollsBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		compare bool
		feed    func(r *Ramp)
		reason  string
	}{
		{"error rate", false, func(r *Ramp) { feed(r, CanaryArm, 100, 2, time.Millisecond) }, "error rate 0.0200 > 0.0100"},
		{"p99", false, func(r *Ramp) { feed(r, CanaryArm, 100, 0, 900*time.Millisecond) }, "p99"},
		{"worse than stable", true, func(r *Ramp) {
			feed(r, StableArm, 1000, 10, time.Millisecond) // 1% errors
			feed(r, CanaryArm, 100, 3, time.Millisecond)   // 3% > 1% + 1%
		}, "over the stable arm's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, applied := testRamp(tc.compare)
			tc.feed(r)
			r.Tick(t0.Add(time.Minute))
			v := r.View()
			if v.State != RolledBack || v.Weight != 0 || *applied != 0 {
				t.Fatalf("ramp = %+v, applied %d; want rolled back to 0", v, *applied)
			}
			if !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("reason %q; want it to mention %q", v.Reason, tc.reason)
			}
			feed(r, CanaryArm, 1000, 0, time.Millisecond)
			r.Tick(t0.Add(2 * time.Minute))
			if r.View().Weight != 0 {
				t.Error("a rolled-back ramp moved again")
			}
		})
	}
}

func TestRampStableWithinMarginHolds(t *testing.T) {
	r, _ := testRamp(true)
	feed(r, StableArm, 1000, 10, time.Millisecond) // 1% errors
	feed(r, CanaryArm, 100, 1, time.Millisecond)   // 1% < 1% + 1%
	r.Tick(t0)
	if v := r.View(); v.State != Running || v.Weight != 5 {
		t.Errorf("canary as good as stable: %+v; want the next step", v)
	}
}

func TestRampActions(t *testing.T) {
	r, applied := testRamp(false)
	if err := r.Do("pause", t0); err != nil {
		t.Fatal(err)
	}
	feed(r, CanaryArm, 100, 0, time.Millisecond)
	r.Tick(t0)
	if v := r.View(); v.State != Paused || v.Weight != 1 {
		t.Fatalf("paused ramp moved: %+v", v)
	}
	if err := r.Do("pause", t0); err == nil {
		t.Error("pausing a paused ramp succeeded")
	}
	if err := r.Do("resume", t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Do("promote", t0); err != nil || *applied != 100 || r.View().State != Promoted {
		t.Fatalf("promote: %v, applied %d, %+v", err, *applied, r.View())
	}
	if err := r.Do("rollback", t0); err != nil || *applied != 0 || r.View().State != RolledBack {
		t.Fatalf("rollback: %v, applied %d, %+v", err, *applied, r.View())
	}
	if err := r.Do("explode", t0); err == nil {
		t.Error("an unknown action succeeded")
	}
}

func TestP99FromHistogram(t *testing.T) {
	var a armStats
	for i := range 1000 {
		d := time.Millisecond
		if i >= 985 {
			d = 200 * time.Millisecond
		}
		a.requests.Add(1)
		a.hist[latencyBucket(d)].Add(1)
	}
	v := a.view()
	// The 990th of 1000 is one of the 200 ms answers; buckets are within
	// 19% above the value.
	if v.P99Ms < 200 || v.P99Ms > 240 {
		t.Errorf("p99 = %v ms; want 200..240", v.P99Ms)
	}
	for _, d := range []time.Duration{time.Microsecond, 3 * time.Millisecond, 7 * time.Second} {
		if up := bucketUpper(latencyBucket(d)); up < d || float64(up) > 1.26*float64(d) {
			t.Errorf("bucket of %v ends at %v", d, up)
		}
	}
}

func TestSetWeightsMovesTheSequence(t *testing.T) {
	s := New([]Rule{{Weights: []int{1, 99}}}, nil)
	s.SetWeights(0, []int{50, 50})
	n := 0
	for range 100 {
		if s.Arm(0, nil) == 0 {
			n++
		}
	}
	if n != 50 {
		t.Errorf("after SetWeights 50/50: %d of 100 on arm 0", n)
	}
}
