//go:build !linux

package main

import (
	"errors"
	"net"
)

func runLoop(*net.TCPListener, []string, bool) error {
	return errors.New("the parked and blocking designs need Linux's epoll")
}
