//go:build !linux

package core

import (
	"context"
	"errors"
	"net"
)

// loopGroup is the loop engine's loops; they need Linux's epoll.
type loopGroup struct{}

func startLoops(*Gateway, net.Listener, int, *handoffListener, *Snapshot) (*loopGroup, error) {
	return nil, errors.New("jetway: gateway.http.engine loop needs Linux (epoll); use goroutines")
}

func (*loopGroup) beginStop()           {}
func (*loopGroup) stop(context.Context) {}
