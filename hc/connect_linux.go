package hc

import (
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// connectReset opens a TCP connection to ap and resets it: a tcp probe.
// The connect blocks the worker's thread, bounded by SO_SNDTIMEO, instead
// of parking on the netpoller: five system calls rather than net.Dialer's
// eleven and no park and wake, which halves the probe's CPU on a fast
// network (on loopback the handshake completes inside the call).
func connectReset(ap netip.AddrPort, timeout time.Duration) error {
	family, sa := sockaddr(ap)
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	// Linger 0: close resets, leaving no TIME_WAIT socket per probe.
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	deadline := time.Now().Add(timeout)
	switch err := unix.Connect(fd, sa); err {
	case nil:
		return nil
	case unix.EINTR, unix.EALREADY:
		// A signal cut the wait short; the handshake goes on.
		return waitConnected(fd, deadline)
	case unix.EINPROGRESS, unix.EAGAIN:
		// SO_SNDTIMEO passed.
		return os.ErrDeadlineExceeded
	default:
		return os.NewSyscallError("connect", err)
	}
}

// waitConnected waits until deadline for the connect in progress on fd
// to finish.
func waitConnected(fd int, deadline time.Time) error {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for {
		ms := int(time.Until(deadline).Milliseconds())
		if ms <= 0 {
			return os.ErrDeadlineExceeded
		}
		n, err := unix.Poll(pfd, ms)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return os.NewSyscallError("poll", err)
		case n == 0:
			return os.ErrDeadlineExceeded
		}
		soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		if soerr != 0 {
			return os.NewSyscallError("connect", unix.Errno(soerr))
		}
		return nil
	}
}

// sockaddr is ap as a socket address, and its address family.
func sockaddr(ap netip.AddrPort) (family int, sa unix.Sockaddr) {
	if a := ap.Addr().Unmap(); a.Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	return unix.AF_INET6, &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}
