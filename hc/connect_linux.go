package hc

import (
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// probeSocket opens a nonblocking TCP socket of family whose close resets
// (linger 0: an RST, and no TIME_WAIT socket left behind; 10,000 of those,
// left by a reload that drops 10,000 targets, would crowd the ephemeral
// ports and slow every later connect).
func probeSocket(family int) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	return fd, nil
}

// unspec is a struct sockaddr of family AF_UNSPEC (0).
var unspec [unix.SizeofSockaddrInet6]byte

// disconnect resets fd's connection and leaves the socket unconnected:
// connect(2) to an AF_UNSPEC address, which x/sys/unix's Connect cannot
// express.
func disconnect(fd int) error {
	_, _, errno := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&unspec[0])), uintptr(len(unspec)))
	if errno != 0 {
		return errno
	}
	return nil
}

// fillSockaddr writes ap into sa4 or sa6 and returns which (0: IPv4, 1:
// IPv6), the address family and the address to connect to. Filling a
// caller's kept value, rather than making a new one, allocates nothing.
// ap carries no zone.
func fillSockaddr(ap netip.AddrPort, sa4 *unix.SockaddrInet4, sa6 *unix.SockaddrInet6) (k, family int, sa unix.Sockaddr) {
	if a := ap.Addr().Unmap(); a.Is4() {
		sa4.Port, sa4.Addr = int(ap.Port()), a.As4()
		return 0, unix.AF_INET, sa4
	}
	sa6.Port, sa6.Addr = int(ap.Port()), ap.Addr().As16()
	return 1, unix.AF_INET6, sa6
}
