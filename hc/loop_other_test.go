//go:build !linux

package hc

import "testing"

// loopProbe returns nil: only Linux builds have an event loop.
func loopProbe(testing.TB, *Checker, *target) func() Result { return nil }
