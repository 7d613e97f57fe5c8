//go:build !linux

package core

import "net"

// rawSock returns c: the recvfrom/sendto path is Linux's.
func rawSock(c net.Conn) net.Conn { return c }
