package testbed

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// Children are started with Pdeathsig, so the kernel kills them when the
// test binary dies and a crashed or timed-out test leaves none behind. The
// signal fires when the thread that forked the child exits, and Go ends a
// thread when a goroutine exits while locked to it (golang/go#27505), so
// every child is forked by one goroutine that keeps its thread locked while
// any child lives.
type spawnerState struct {
	mu   sync.Mutex
	live int            // children started and not yet reaped
	reqs chan *exec.Cmd // to the forking goroutine; nil while none runs
	errs chan error     // its answers
}

var spawner spawnerState

// startCmd starts cmd from the forking goroutine. When it succeeds, the
// caller reports the child's end with childReaped.
func startCmd(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &spawner
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reqs == nil {
		s.reqs = make(chan *exec.Cmd)
		s.errs = make(chan error)
		go fork(s.reqs, s.errs)
	}
	s.reqs <- cmd
	err := <-s.errs
	if err == nil {
		s.live++
	}
	s.stopIfIdle()
	return err
}

// childReaped records that a child started by startCmd has been reaped.
func childReaped() {
	s := &spawner
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live--
	s.stopIfIdle()
}

// stopIfIdle ends the forking goroutine once no child is alive. The caller
// holds mu.
func (s *spawnerState) stopIfIdle() {
	if s.live == 0 && s.reqs != nil {
		close(s.reqs)
		s.reqs, s.errs = nil, nil
	}
}

// fork starts each command it receives on its own locked thread.
func fork(reqs <-chan *exec.Cmd, errs chan<- error) {
	runtime.LockOSThread()
	for cmd := range reqs {
		errs <- cmd.Start()
	}
	// No child of this thread is alive, so the thread may run other work.
	runtime.UnlockOSThread()
}
