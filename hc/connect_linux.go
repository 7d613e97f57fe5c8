package hc

import (
	"net/netip"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resetter makes the tcp probes of the worker pool (the event loop makes
// most; see loop.dial): it connects and resets at once. It keeps one
// socket per address family and reuses it: after a connect, a connect to
// AF_UNSPEC resets the connection (RST, no TIME_WAIT, as close with
// linger 0 would) and leaves the socket ready to connect again. A probe is
// then two system calls, where a new socket per probe takes five (socket,
// two setsockopt, connect, close); on loopback that saves about a fifth
// of the probe's CPU. The connect blocks the worker's thread, bounded by
// SO_SNDTIMEO, rather than parking on the netpoller: on a fast network the
// handshake completes inside the call. A socket whose connect did not
// succeed at once is closed, never reused. A resetter belongs to one
// worker.
type resetter struct {
	timeout time.Duration
	fd      [2]int // IPv4 and IPv6 sockets; -1: none
	sa4     unix.SockaddrInet4
	sa6     unix.SockaddrInet6
}

func newResetter(timeout time.Duration) *resetter {
	return &resetter{timeout: timeout, fd: [2]int{-1, -1}}
}

// probe opens a TCP connection to ap and resets it.
func (r *resetter) probe(ap netip.AddrPort) error {
	k, family, sa := fillSockaddr(ap, &r.sa4, &r.sa6)
	if r.fd[k] < 0 {
		fd, err := probeSocket(family, r.timeout)
		if err != nil {
			return err
		}
		r.fd[k] = fd
	}
	fd := r.fd[k]
	deadline := time.Now().Add(r.timeout)
	err := unix.Connect(fd, sa)
	if err == nil {
		if disconnect(fd) != nil {
			r.drop(k)
		}
		return nil
	}
	defer r.drop(k)
	switch err {
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

// probeSocket opens a TCP socket of family whose close resets (linger 0:
// an RST, and no TIME_WAIT socket left behind). A timeout above 0 makes
// it blocking, its connect waiting at most that long (SO_SNDTIMEO); 0
// makes it nonblocking.
func probeSocket(family int, timeout time.Duration) (int, error) {
	flags := unix.SOCK_STREAM | unix.SOCK_CLOEXEC
	if timeout <= 0 {
		flags |= unix.SOCK_NONBLOCK
	}
	fd, err := unix.Socket(family, flags, unix.IPPROTO_TCP)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if timeout > 0 {
		tv := unix.NsecToTimeval(timeout.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
			unix.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
	}
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	return fd, nil
}

// drop closes socket k, resetting whatever it was doing.
func (r *resetter) drop(k int) {
	unix.Close(r.fd[k])
	r.fd[k] = -1
}

// close closes the sockets.
func (r *resetter) close() {
	for k, fd := range r.fd {
		if fd >= 0 {
			r.drop(k)
		}
	}
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
