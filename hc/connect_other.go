//go:build !linux

package hc

import (
	"context"
	"net/netip"
	"time"
)

// resetter makes tcp probes: it connects and resets at once, through the
// netpoller (Linux reuses a blocking socket instead).
type resetter struct{ timeout time.Duration }

func newResetter(timeout time.Duration) *resetter { return &resetter{timeout} }

// probe opens a TCP connection to ap and resets it.
func (r *resetter) probe(ap netip.AddrPort) error {
	return dialReset(context.Background(), ap.String(), r.timeout)
}

// close does nothing: probe keeps no socket.
func (r *resetter) close() {}
