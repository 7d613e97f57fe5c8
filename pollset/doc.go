// Package pollset is an epoll set whose waits park in the Go runtime's
// poller (Linux only). The set's own descriptor is watched by the runtime
// like a socket: a wait with nothing ready parks the goroutine, so an
// event loop built on a Set never blocks a thread in epoll_wait, and its
// timers are the set's read deadline. Callers add and remove descriptors
// with epoll_ctl on FD; Poll takes what is ready without waiting. Recv and
// Send are the socket calls of such a loop (and of core's sockets), made
// without the runtime's system-call bookkeeping, which a call that never
// blocks does not need.
package pollset
