package testbed

import (
	"net"
	"testing"
)

// FreePort returns a loopback address, "127.0.0.1:PORT", that was free a
// moment ago. Another process may take it before the caller binds it; prefer
// letting a server bind port 0 and report its address where it can.
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	return addr
}
