package testbed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const (
	// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
	stopGrace = 2 * time.Second
	// pipeDrain bounds how long reaping waits for output after an exit.
	pipeDrain = 2 * time.Second
)

// Process is a running program whose output is captured. Its methods are
// safe for concurrent use.
type Process struct {
	// Cmd is the started command; read Cmd.ProcessState only after Exited
	// is closed.
	Cmd *exec.Cmd

	name    string
	out     *output
	exited  chan struct{}
	waitErr error // set before exited is closed
}

// StartProcess starts bin with args and registers a cleanup that stops it
// (Stop) and, if the test failed, logs its output.
func StartProcess(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	p, err := startProcess(bin, args...)
	if err != nil {
		t.Fatalf("StartProcess(%s): %v", bin, err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s (pid %d) output:\n%s", p.name, p.Pid(), p.Output())
		}
	})
	return p
}

func startProcess(bin string, args ...string) (*Process, error) {
	out := newOutput()
	cmd := exec.Command(bin, args...)
	cmd.Stdout = stream{o: out}
	cmd.Stderr = stream{o: out, stderr: true}
	cmd.WaitDelay = pipeDrain
	if err := startCmd(cmd); err != nil {
		return nil, err
	}
	p := &Process{Cmd: cmd, name: filepath.Base(bin), out: out, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		childReaped()
		close(p.exited)
	}()
	return p, nil
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.Cmd.Process.Pid }

// Exited is closed once the process has exited and its output is complete.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Output returns stdout and stderr so far, interleaved as written.
func (p *Process) Output() string { return p.out.String() }

// Stdout returns what the process wrote to stdout so far.
func (p *Process) Stdout() string {
	s, _ := p.out.streams()
	return s
}

// Stderr returns what the process wrote to stderr so far.
func (p *Process) Stderr() string {
	_, s := p.out.streams()
	return s
}

// WaitForOutput waits until the output contains s. It fails when timeout
// passes or the process exits first.
func (p *Process) WaitForOutput(s string, timeout time.Duration) error {
	return p.waitOutput(timeout, fmt.Sprintf("output %q", s), func() (bool, <-chan struct{}) {
		return p.out.contains(s)
	})
}

// WaitForLine waits for a complete output line containing marker and
// returns what follows the marker on that line.
func (p *Process) WaitForLine(marker string, timeout time.Duration) (string, error) {
	var rest string
	err := p.waitOutput(timeout, fmt.Sprintf("a line with %q", marker), func() (bool, <-chan struct{}) {
		r, ok, changed := p.out.line(marker)
		rest = r
		return ok, changed
	})
	return rest, err
}

func (p *Process) waitOutput(timeout time.Duration, what string, check func() (bool, <-chan struct{})) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ok, changed := check()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-p.exited:
			if ok, _ := check(); ok {
				return nil
			}
			return fmt.Errorf("%s exited (%v) before %s; output:\n%s", p.name, p.waitErr, what, p.Output())
		case <-deadline.C:
			return fmt.Errorf("%s: no %s within %v; output:\n%s", p.name, what, timeout, p.Output())
		}
	}
}

// Signal sends sig to the process; it returns os.ErrProcessDone once the
// process has been reaped.
func (p *Process) Signal(sig os.Signal) error {
	select {
	case <-p.exited:
		return os.ErrProcessDone
	default:
	}
	return p.Cmd.Process.Signal(sig)
}

// Kill9 sends SIGKILL and waits for the process to exit.
func (p *Process) Kill9() {
	_ = p.Signal(syscall.SIGKILL)
	<-p.exited
}

// Stop sends SIGTERM, waits up to two seconds, then sends SIGKILL, and
// returns once the process has exited.
func (p *Process) Stop() {
	if p.Signal(syscall.SIGTERM) == nil {
		t := time.NewTimer(stopGrace)
		defer t.Stop()
		select {
		case <-p.exited:
			return
		case <-t.C:
		}
	}
	p.Kill9()
}

// Wait waits up to timeout for the process to exit and returns its exit
// code, -1 if a signal ended it.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		return 0, fmt.Errorf("%s (pid %d) still running after %v", p.name, p.Pid(), timeout)
	}
	var exitErr *exec.ExitError
	if p.waitErr != nil && !errors.As(p.waitErr, &exitErr) {
		return p.Cmd.ProcessState.ExitCode(), p.waitErr
	}
	return p.Cmd.ProcessState.ExitCode(), nil
}
