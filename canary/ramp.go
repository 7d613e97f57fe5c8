package canary

import (
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// RampConfig drives a canary's weight through Steps (percent), one step
// per Interval once the step saw MinRequests canary requests, and rolls
// back at once when the canary's error rate or p99 breaks the limits.
type RampConfig struct {
	Steps           []int
	Interval        time.Duration
	MinRequests     uint64
	MaxErrorRate    float64
	MaxP99          time.Duration
	CompareToStable bool
}

// Ramp states.
const (
	Running    = "running"
	Paused     = "paused"
	RolledBack = "rolled_back"
	Promoted   = "promoted"
)

// Arms of a ramp's statistics.
const (
	CanaryArm = 0
	StableArm = 1
)

// Ramp is one route's automatic canary ramp. Observe runs on the request
// path (atomics only); Tick and the actions run on the control plane.
type Ramp struct {
	cfg RampConfig

	stats  atomic.Pointer[stepStats]
	weight atomic.Int64 // the canary's current weight, percent

	mu       sync.Mutex
	state    string
	step     int
	reason   string
	decided  time.Time
	onWeight func(canary int) // applies the canary weight; see Attach
}

// stepStats are the counts of one step, replaced whole when a step ends.
type stepStats struct {
	arms [2]armStats
}

type armStats struct {
	requests atomic.Uint64
	errors   atomic.Uint64
	hist     [latencyBuckets]atomic.Uint64
}

// Latency histogram: four buckets per power of two of microseconds, so a
// p99 is known to within 19%.
const (
	latencySub     = 4
	latencyBuckets = 40 * latencySub
)

// latencyBucket is the histogram bucket of d.
func latencyBucket(d time.Duration) int {
	us := uint64(max(d.Microseconds(), 1))
	e := bits.Len64(us) - 1
	frac := 0
	if e >= 2 {
		frac = int(us>>(e-2)) & (latencySub - 1)
	}
	return min(e*latencySub+frac, latencyBuckets-1)
}

// bucketUpper is the upper bound of bucket i.
func bucketUpper(i int) time.Duration {
	e, frac := i/latencySub, i%latencySub
	us := (uint64(latencySub+frac+1) << e) / latencySub
	return time.Duration(us) * time.Microsecond
}

// NewRamp starts a ramp at its first step.
func NewRamp(cfg RampConfig, now time.Time) *Ramp {
	r := &Ramp{cfg: cfg, state: Running, decided: now}
	r.stats.Store(new(stepStats))
	r.weight.Store(int64(cfg.Steps[0]))
	return r
}

// Attach makes apply receive every canary weight from now on, starting
// with the current one. A reload that keeps the plugin attaches the new
// snapshot's split, so the ramp's state carries over.
func (r *Ramp) Attach(apply func(canary int)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onWeight = apply
	apply(int(r.weight.Load()))
}

// Observe counts one request answered through arm (CanaryArm or
// StableArm). failed is a 5xx or no answer.
func (r *Ramp) Observe(arm int, failed bool, latency time.Duration) {
	a := &r.stats.Load().arms[arm]
	a.requests.Add(1)
	if failed {
		a.errors.Add(1)
	}
	a.hist[latencyBucket(latency)].Add(1)
}

// ArmView is one arm's statistics for the current step.
type ArmView struct {
	Requests  uint64  `json:"requests"`
	ErrorRate float64 `json:"error_rate"`
	P99Ms     float64 `json:"p99_ms"`
}

func (a *armStats) view() ArmView {
	v := ArmView{Requests: a.requests.Load()}
	if v.Requests == 0 {
		return v
	}
	v.ErrorRate = float64(a.errors.Load()) / float64(v.Requests)
	rank := (v.Requests*99 + 99) / 100 // ceil(0.99 n)
	var seen uint64
	for i := range a.hist {
		if seen += a.hist[i].Load(); seen >= rank {
			v.P99Ms = float64(bucketUpper(i)) / float64(time.Millisecond)
			break
		}
	}
	return v
}

// Tick takes the decision of one interval: roll back when the canary
// breaks a limit, else move to the next step once the step saw enough
// canary requests.
func (r *Ramp) Tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != Running {
		return
	}
	st := r.stats.Load()
	c, s := st.arms[CanaryArm].view(), st.arms[StableArm].view()
	if c.Requests < r.cfg.MinRequests {
		return
	}
	if reason := r.breach(c, s); reason != "" {
		r.setLocked(RolledBack, 0, reason, now)
		return
	}
	if r.step == len(r.cfg.Steps)-1 {
		r.setLocked(Promoted, r.cfg.Steps[r.step], "last step held", now)
		return
	}
	r.step++
	r.setLocked(Running, r.cfg.Steps[r.step], fmt.Sprintf("step %d held: error rate %.4f, p99 %.0f ms over %d requests", r.step-1, c.ErrorRate, c.P99Ms, c.Requests), now)
}

// breach says why the canary's statistics c break the limits, "" when
// they do not. With CompareToStable the limits are margins over s.
func (r *Ramp) breach(c, s ArmView) string {
	maxErr, maxP99 := r.cfg.MaxErrorRate, float64(r.cfg.MaxP99)/float64(time.Millisecond)
	base := ""
	if r.cfg.CompareToStable && s.Requests > 0 {
		maxErr += s.ErrorRate
		maxP99 += s.P99Ms
		base = " over the stable arm's"
	}
	switch {
	case c.ErrorRate > maxErr:
		return fmt.Sprintf("error rate %.4f > %.4f%s", c.ErrorRate, maxErr, base)
	case r.cfg.MaxP99 > 0 && c.P99Ms > maxP99:
		return fmt.Sprintf("p99 %.0f ms > %.0f ms%s", c.P99Ms, maxP99, base)
	}
	return ""
}

// setLocked records a decision and applies the weight; a new step
// starts with fresh statistics.
func (r *Ramp) setLocked(state string, weight int, reason string, now time.Time) {
	r.state, r.reason, r.decided = state, reason, now
	r.weight.Store(int64(weight))
	r.stats.Store(new(stepStats))
	if r.onWeight != nil {
		r.onWeight(weight)
	}
}

// Do runs a manual action: pause, resume, promote or rollback.
func (r *Ramp) Do(action string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch action {
	case "pause":
		if r.state != Running {
			return fmt.Errorf("cannot pause a ramp that is %s", r.state)
		}
		r.state, r.reason, r.decided = Paused, "paused by hand", now
	case "resume":
		if r.state != Paused {
			return fmt.Errorf("cannot resume a ramp that is %s", r.state)
		}
		r.state, r.reason, r.decided = Running, "resumed by hand", now
		r.stats.Store(new(stepStats))
	case "promote":
		r.step = len(r.cfg.Steps) - 1
		r.setLocked(Promoted, 100, "promoted by hand", now)
	case "rollback":
		r.setLocked(RolledBack, 0, "rolled back by hand", now)
	default:
		return fmt.Errorf("unknown action %q; use pause, resume, promote or rollback", action)
	}
	return nil
}

// RampView is a ramp's state for the Control API and the log.
type RampView struct {
	State     string    `json:"state"`
	Step      int       `json:"step"`
	Steps     []int     `json:"steps"`
	Weight    int       `json:"weight"`
	Reason    string    `json:"reason"`
	DecidedAt time.Time `json:"decided_at"`
	// Canary and Stable are the current step's statistics.
	Canary ArmView `json:"canary"`
	Stable ArmView `json:"stable"`
}

// View returns the ramp's state.
func (r *Ramp) View() RampView {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats.Load()
	return RampView{
		State: r.state, Step: r.step, Steps: r.cfg.Steps, Weight: int(r.weight.Load()),
		Reason: r.reason, DecidedAt: r.decided.UTC(),
		Canary: st.arms[CanaryArm].view(), Stable: st.arms[StableArm].view(),
	}
}
