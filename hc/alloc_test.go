//go:build linux && !race

package hc

import (
	"net"
	"testing"
)

// TestPoolProbeKeptConnectionAllocatesNothing is the pool workers' half of
// TestProbeKeptConnectionAllocatesNothing (the event loop's): a node named
// by host is probed by the pool.
func TestPoolProbeKeptConnectionAllocatesNothing(t *testing.T) {
	_, port, _ := net.SplitHostPort(startRawServer(t))
	probe := probeOnce(t, activeCheck(t, ""), "localhost:"+port, CheckerOptions{})
	if r := probe(); r.Err != "" { // dial
		t.Fatalf("first probe of localhost:%s = %+v; want it to connect", port, r)
	}
	if n := testing.AllocsPerRun(100, func() { probe() }); n != 0 {
		t.Errorf("a pool probe on a kept connection allocates %v times; want 0", n)
	}
}
