package core

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jetwayhq/jetway/canary"
	"github.com/jetwayhq/jetway/config"
)

// ramps runs the automatic canary ramps: one driver goroutine per ramp,
// ticking every interval on the gateway's clock. A ramp is keyed by its
// route and its whole traffic-split plugin, so a reload that does not
// change the plugin keeps the ramp's state.
type ramps struct {
	mu      sync.Mutex
	running map[string]*rampRT
}

type rampRT struct {
	route string
	ramp  *canary.Ramp
	stop  chan struct{}
	done  chan struct{}
}

func newRamps() *ramps { return &ramps{running: make(map[string]*rampRT)} }

// rampKey identifies a route's ramp.
func rampKey(route string, ts *config.TrafficSplit) string {
	b, err := json.Marshal(ts)
	if err != nil {
		// TrafficSplit holds plain data decoded from YAML.
		panic(err)
	}
	return route + "|" + string(b)
}

// get returns the running ramp of key, or a new one (not yet running).
func (rs *ramps) get(key string, cfg *config.SplitRamp, now time.Time) *canary.Ramp {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r := rs.running[key]; r != nil {
		return r.ramp
	}
	return canary.NewRamp(rampConfig(cfg), now)
}

func rampConfig(c *config.SplitRamp) canary.RampConfig {
	return canary.RampConfig{
		Steps:           c.Steps,
		Interval:        c.Interval.Duration(),
		MinRequests:     uint64(c.MinRequests),
		MaxErrorRate:    c.MaxErrorRate,
		MaxP99:          time.Duration(c.MaxP99Ms * float64(time.Millisecond)),
		CompareToStable: c.CompareToStable,
	}
}

// publish makes s's ramps the running set: each drives its route's split
// in s, new ones start, and those s no longer has stop.
func (rs *ramps) publish(g *Gateway, s *Snapshot) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for key, p := range s.ramps {
		p.ramp.Attach(p.apply)
		if rs.running[key] == nil {
			r := &rampRT{route: p.route, ramp: p.ramp, stop: make(chan struct{}), done: make(chan struct{})}
			rs.running[key] = r
			go r.drive(g, p.interval)
		}
	}
	for key, r := range rs.running {
		if _, keep := s.ramps[key]; !keep {
			r.halt()
			delete(rs.running, key)
		}
	}
}

// drive ticks the ramp every interval and logs its decisions.
func (r *rampRT) drive(g *Gateway, interval time.Duration) {
	defer close(r.done)
	clock := g.hc.Clock()
	for {
		t := clock.NewTimer(interval)
		select {
		case <-t.C():
			before := r.ramp.View()
			r.ramp.Tick(clock.Now())
			if after := r.ramp.View(); after.State != before.State || after.Weight != before.Weight {
				g.log.Info("canary ramp", "route", r.route, "state", after.State, "weight", after.Weight, "reason", after.Reason)
			}
		case <-r.stop:
			t.Stop()
			return
		}
	}
}

func (r *rampRT) halt() {
	close(r.stop)
	<-r.done
}

// stopAll stops every driver.
func (rs *ramps) stopAll() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for key, r := range rs.running {
		r.halt()
		delete(rs.running, key)
	}
}

// RampView is one route's canary ramp for the Control API.
type RampView struct {
	Route string `json:"route"`
	canary.RampView
}

// Ramps returns every running ramp, by route.
func (g *Gateway) Ramps() []RampView {
	g.ramps.mu.Lock()
	defer g.ramps.mu.Unlock()
	out := []RampView{}
	for _, r := range g.ramps.running {
		out = append(out, RampView{Route: r.route, RampView: r.ramp.View()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Route < out[j].Route })
	return out
}

// RampAction runs pause, resume, promote or rollback on route's ramp.
func (g *Gateway) RampAction(route, action string) (RampView, error) {
	g.ramps.mu.Lock()
	defer g.ramps.mu.Unlock()
	for _, r := range g.ramps.running {
		if r.route == route {
			if err := r.ramp.Do(action, g.hc.Clock().Now()); err != nil {
				return RampView{}, err
			}
			v := RampView{Route: route, RampView: r.ramp.View()}
			g.log.Info("canary ramp", "route", route, "state", v.State, "weight", v.Weight, "reason", v.Reason)
			return v, nil
		}
	}
	return RampView{}, fmt.Errorf("%w: route %q has no canary ramp", ErrNoRamp, route)
}

// ErrNoRamp is returned by RampAction for a route without a ramp.
var ErrNoRamp = fmt.Errorf("jetway: no such ramp")
