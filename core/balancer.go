package core

import (
	"fmt"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/lb"
)

// newBalancer builds the balancer an upstream's type names, and the chash
// key spec when it hashes.
func newBalancer(u *config.Upstream, targets []lb.Target) (lb.Balancer, *hashSpec, error) {
	opts := lb.Options{HashBalanceFactor: u.HashBalanceFactor, SlowStart: slowStart(u)}
	switch u.Type {
	case "", "roundrobin":
		return lb.NewRoundRobin(targets, opts), nil, nil
	case "chash":
		h, err := newHashSpec(u.HashOn, u.Key)
		if err != nil {
			return nil, nil, err
		}
		return lb.NewCHash(targets, opts), h, nil
	case "least_conn":
		return lb.NewLeastConn(targets, opts), nil, nil
	case "ewma":
		return lb.NewEWMA(targets, opts), nil, nil
	case "random":
		return lb.NewRandom(targets, opts), nil, nil
	case "p2c":
		return lb.NewP2C(targets, opts), nil, nil
	}
	return nil, nil, fmt.Errorf("jetway: unknown upstream type %q", u.Type)
}

// slowStart is the upstream's slow start as lb takes it; zero when off.
func slowStart(u *config.Upstream) lb.SlowStart {
	if u.SlowStart == nil {
		return lb.SlowStart{}
	}
	return lb.SlowStart{Window: u.SlowStart.Window.Duration(), MinPercent: u.SlowStart.MinWeightPercent}
}
