package core

import (
	"fmt"

	"github.com/jetwayhq/jetway/config"
	"github.com/jetwayhq/jetway/lb"
)

// newBalancer builds the balancer an upstream's type names, and the chash
// key spec when it hashes.
func newBalancer(u *config.Upstream, targets []lb.Target) (lb.Balancer, *hashSpec, error) {
	switch u.Type {
	case "", "roundrobin":
		return lb.NewRoundRobin(targets), nil, nil
	case "chash":
		h, err := newHashSpec(u.HashOn, u.Key)
		if err != nil {
			return nil, nil, err
		}
		return lb.NewCHash(targets, u.HashBalanceFactor), h, nil
	case "least_conn":
		return lb.NewLeastConn(targets), nil, nil
	case "ewma":
		return lb.NewEWMA(targets), nil, nil
	case "random":
		return lb.NewRandom(targets), nil, nil
	case "p2c":
		return lb.NewP2C(targets), nil, nil
	}
	return nil, nil, fmt.Errorf("jetway: unknown upstream type %q", u.Type)
}
