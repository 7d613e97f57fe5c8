//go:build !linux

package core

import (
	"errors"
	"net"
	"time"
)

// loopGroup is the loop engine's loops; they need Linux's epoll.
type loopGroup struct{}

func startLoops(net.Listener, int, *handoffListener, frontDoorLimits, time.Duration) (*loopGroup, error) {
	return nil, errors.New("jetway: gateway.http.engine loop needs Linux (epoll); use goroutines")
}

func (*loopGroup) stop() {}
