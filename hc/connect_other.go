//go:build !linux

package hc

import (
	"context"
	"net/netip"
	"time"
)

// connectReset opens a TCP connection to ap and resets it: a tcp probe.
func connectReset(ap netip.AddrPort, timeout time.Duration) error {
	return dialReset(context.Background(), ap.String(), timeout)
}
