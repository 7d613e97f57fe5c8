package pollset

import (
	"syscall"
	"unsafe"
)

// Recv reads into b from the non-blocking socket fd (recvfrom). It skips
// the runtime's system-call bookkeeping, which a call that never blocks
// does not need. b must not be empty.
func Recv(fd int, b []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	return int(n), e
}

// Send writes b to the non-blocking socket fd (sendto, without SIGPIPE),
// as Recv reads. b must not be empty.
func Send(fd int, b []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MSG_NOSIGNAL, 0, 0)
	return int(n), e
}
