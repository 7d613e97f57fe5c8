package pollset

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Set is an epoll set. One goroutine waits on it; SetDeadline and Close
// may come from any.
type Set struct {
	fd     int
	file   *os.File // fd, watched by the runtime's poller; held so no finalizer closes it
	rc     syscall.RawConn
	waitFn func(uintptr) bool
	events []unix.EpollEvent
	n      int           // events the last epoll_pwait returned
	err    syscall.Errno // its error
}

// New returns an empty set whose waits return at most maxEvents events.
func New(maxEvents int) (*Set, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	// The runtime's poller watches fd only if it is non-blocking when
	// wrapped.
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	s := &Set{fd: fd, file: os.NewFile(uintptr(fd), "epoll"), events: make([]unix.EpollEvent, maxEvents)}
	if s.rc, err = s.file.SyscallConn(); err != nil {
		_ = s.file.Close()
		return nil, err
	}
	s.waitFn = s.poll
	return s, nil
}

// FD is the epoll descriptor, for epoll_ctl.
func (s *Set) FD() int { return s.fd }

// Wait returns the events at hand, parking until there are some. It
// returns os.ErrDeadlineExceeded once the deadline passes. The events are
// valid until the next Wait.
func (s *Set) Wait() ([]unix.EpollEvent, error) {
	if err := s.rc.Read(s.waitFn); err != nil {
		return nil, err
	}
	return s.result()
}

// Poll returns the events at hand without waiting; none when nothing is
// ready. The events are valid until the next Wait or Poll.
func (s *Set) Poll() ([]unix.EpollEvent, error) {
	s.poll(0)
	return s.result()
}

// result is what the last epoll_pwait returned.
func (s *Set) result() ([]unix.EpollEvent, error) {
	if s.err != 0 {
		return nil, os.NewSyscallError("epoll_pwait", s.err)
	}
	return s.events[:s.n], nil
}

// poll is the RawConn.Read callback: it takes the events at hand without
// blocking, and asks to park (false) when there are none.
func (s *Set) poll(uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(s.fd),
			uintptr(unsafe.Pointer(&s.events[0])), uintptr(len(s.events)), 0, 0, 0)
		switch e {
		case syscall.EINTR:
			continue
		case 0:
			s.n, s.err = int(n), 0
			return n > 0
		}
		s.n, s.err = 0, e
		return true
	}
}

// SetDeadline makes a Wait in progress or to come return
// os.ErrDeadlineExceeded at t; the zero t means never.
func (s *Set) SetDeadline(t time.Time) error { return s.file.SetReadDeadline(t) }

// Close closes the set; a Wait in progress returns an error.
func (s *Set) Close() error { return s.file.Close() }
