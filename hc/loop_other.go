//go:build !linux

package hc

// loop is the event loop, which only Linux builds have: elsewhere every
// probe runs on the worker pool.
type loop struct{}

// loopConn is a target's event-loop state, which only Linux builds have.
type loopConn struct{}

func newLoop(*Checker) (*loop, error) { return nil, nil }

func (l *loop) run()         {}
func (l *loop) wake()        {}
func (l *loop) close()       {}
func (l *loop) drop(*target) {}
